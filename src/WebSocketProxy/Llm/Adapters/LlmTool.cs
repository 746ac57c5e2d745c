using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>A function the model may call, as the client declared it in its request.</summary>
public sealed class LlmTool
{
    /// <summary>Gets the function name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets what the function does, for the model.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the JSON Schema of the function's arguments (an object schema).</summary>
    /// <value><see langword="null"/>: the function takes no arguments.</value>
    public JsonElement? Parameters { get; init; }

    /// <summary>Gets whether the provider must follow <see cref="Parameters"/> exactly (OpenAI structured outputs).</summary>
    /// <value><see langword="null"/>: not strict (the Responses API is told <c>strict: false</c>, its default being strict).</value>
    public bool? Strict { get; init; }
}
