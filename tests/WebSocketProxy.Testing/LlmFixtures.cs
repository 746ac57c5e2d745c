namespace WebSocketProxy.Testing;

/// <summary>Recorded model-provider responses (SSE, NDJSON, JSON), copied to every referencing test project's output under <c>Llm/Fixtures</c>.</summary>
public static class LlmFixtures
{
    /// <summary>Gets the folder holding the fixture files in the test output.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Llm", "Fixtures");

    /// <summary>Reads a fixture file.</summary>
    /// <param name="name">The file name, e.g. <c>openai-chat-stream.sse</c>.</param>
    /// <returns>The file's bytes.</returns>
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory, name));
}
