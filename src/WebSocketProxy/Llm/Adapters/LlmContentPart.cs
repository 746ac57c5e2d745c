namespace WebSocketProxy.Llm;

/// <summary>One part of a multimodal message: a text or an image (an <c>https</c> URL or a <c>data:</c> URL).</summary>
public sealed record LlmContentPart
{
    private LlmContentPart(string? text, string? imageUrl)
    {
        Text = text;
        ImageUrl = imageUrl;
    }

    /// <summary>Gets the text of a text part; <see langword="null"/> for an image.</summary>
    public string? Text { get; }

    /// <summary>Gets the URL of an image part (<c>https://…</c> or <c>data:image/png;base64,…</c>); <see langword="null"/> for text.</summary>
    public string? ImageUrl { get; }

    /// <summary>Creates a text part.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The part.</returns>
    public static LlmContentPart FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(text, null);
    }

    /// <summary>Creates an image part.</summary>
    /// <param name="url">An <c>http(s)</c> URL or a base64 <c>data:</c> URL.</param>
    /// <returns>The part.</returns>
    public static LlmContentPart FromImageUrl(string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        return new(null, url);
    }
}
