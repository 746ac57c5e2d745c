using System.ClientModel.Primitives;

namespace WebSocketProxy.Testing;

/// <summary>The response an OpenAI or Azure OpenAI SDK keeps on its <see cref="System.ClientModel.ClientResultException"/>.</summary>
public sealed class FakePipelineResponse(int status, string body, params (string Name, string Value)[] headers) : PipelineResponse
{
    private readonly Dictionary<string, string> _headers = headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override int Status => status;

    /// <inheritdoc />
    public override string ReasonPhrase => "Error";

    /// <inheritdoc />
    public override Stream? ContentStream { get; set; }

    /// <inheritdoc />
    public override BinaryData Content => BinaryData.FromString(body);

    /// <inheritdoc />
    protected override PipelineResponseHeaders HeadersCore => new FakeHeaders(_headers);

    /// <inheritdoc />
    public override BinaryData BufferContent(CancellationToken cancellationToken = default) => Content;

    /// <inheritdoc />
    public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Content);

    /// <inheritdoc />
    public override void Dispose()
    {
    }

    private sealed class FakeHeaders(Dictionary<string, string> values) : PipelineResponseHeaders
    {
        public override IEnumerator<KeyValuePair<string, string>> GetEnumerator() => values.GetEnumerator();

        public override bool TryGetValue(string name, out string? value) => values.TryGetValue(name, out value);

        public override bool TryGetValues(string name, out IEnumerable<string>? all)
        {
            all = values.TryGetValue(name, out var value) ? [value] : null;
            return all is not null;
        }
    }
}
