using System.Text;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// A consistent-hash ring with virtual nodes: each backend owns <see cref="VirtualNodes"/> points, a key
/// goes to the owner of the first point at or after its hash. Adding a backend to n moves about 1/(n+1)
/// of the keys; removing one moves only the keys it owned.
/// </summary>
internal sealed class HashRing
{
    public const int VirtualNodes = 160;

    private readonly ulong[] _points;
    private readonly BackendState[] _owners;

    public HashRing(IReadOnlyList<BackendState> backends)
    {
        var count = backends.Count * VirtualNodes;
        _points = new ulong[count];
        _owners = new BackendState[count];
        var i = 0;
        foreach (var backend in backends)
        {
            for (var v = 0; v < VirtualNodes; v++)
            {
                _points[i] = Hash($"{backend.Id}#{v}");
                _owners[i] = backend;
                i++;
            }
        }

        Array.Sort(_points, _owners);
    }

    public BackendState Find(string key)
    {
        var hash = Hash(key);
        var index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }

        return _owners[index == _points.Length ? 0 : index];
    }

    /// <summary>64-bit FNV-1a over the UTF-8 bytes, finished with the SplitMix64 mixer for an even spread.</summary>
    public static ulong Hash(string value)
    {
        var byteCount = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> buffer = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        var length = Encoding.UTF8.GetBytes(value, buffer);
        var hash = 14695981039346656037UL;
        foreach (var b in buffer[..length])
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        hash ^= hash >> 30;
        hash *= 0xBF58476D1CE4E5B9UL;
        hash ^= hash >> 27;
        hash *= 0x94D049BB133111EBUL;
        hash ^= hash >> 31;
        return hash;
    }
}
