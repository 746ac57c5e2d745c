using System.Buffers;
using System.Text.Json;

namespace WebSocketProxy.Transformers;

/// <summary>One reusable <see cref="Utf8JsonWriter"/> per thread, so building a JSON payload allocates nothing.</summary>
/// <remarks>Rent and return on the same thread with no await in between (transformers write synchronously).</remarks>
internal static class PooledJsonWriter
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        var writer = t_writer;
        if (writer is null)
        {
            return new Utf8JsonWriter(output);
        }

        t_writer = null;
        writer.Reset(output);
        return writer;
    }

    public static void Return(Utf8JsonWriter writer)
    {
        writer.Reset();
        t_writer = writer;
    }
}
