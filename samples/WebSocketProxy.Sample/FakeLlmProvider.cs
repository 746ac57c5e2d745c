using System.Text;
using System.Text.Json;

namespace WebSocketProxy.Sample;

/// <summary>
/// The sample's offline model: a separate Kestrel server in the same process with an OpenAI-compatible
/// <c>POST /v1/chat/completions</c> that streams its answer word by word as SSE, so <c>/llm</c> works with no API key.
/// Setting <c>OPENAI_API_KEY</c> (or <c>WebSocketProxy:Llm:Providers:openai:ApiKey</c>) points the sample route at OpenAI instead.
/// </summary>
internal static class FakeLlmProvider
{
    public static async Task<WebApplication> StartAndConfigureAsync(ConfigurationManager configuration)
    {
        // Its own empty content root and configuration: the gateway's appsettings.json (URLs, logging) is not for it.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(configuration["Sample:FakeLlmUrl"] ?? "http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", StreamAsync);
        await app.StartAsync();

        var apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY") ?? configuration["WebSocketProxy:Llm:Providers:openai:ApiKey"];
        var settings = new Dictionary<string, string?>
        {
            ["WebSocketProxy:Llm:Providers:fake:BaseUrl"] = app.Urls.First() + "/v1",
        };
        if (!string.IsNullOrEmpty(apiKey))
        {
            settings["WebSocketProxy:Llm:Providers:openai:ApiKey"] = apiKey;
            settings["WebSocketProxy:Llm:Routes:sample:Targets:0"] = "openai";
            settings["WebSocketProxy:Llm:Routes:sample:Targets:1"] = "fake";
        }

        configuration.AddInMemoryCollection(settings);
        return app;
    }

    private static async Task StreamAsync(HttpContext context)
    {
        using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var question = string.Empty;
        foreach (var message in request.RootElement.GetProperty("messages").EnumerateArray())
        {
            if (message.GetProperty("role").GetString() == "user")
            {
                question = message.GetProperty("content").GetString() ?? string.Empty;
            }
        }

        var answer = $"This is the sample's offline model. You asked: \"{question}\". It streams this answer word by word, "
            + "like a real provider, so you can watch the deltas arrive and press Stop to cancel. Set OPENAI_API_KEY to talk to a real model.";
        context.Response.ContentType = "text/event-stream";

        // A reasoning part first (as DeepSeek, vLLM and OpenRouter stream it): the page shows it apart from the answer.
        await WriteAsync(context, "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"The user asked a question; I will answer it word by word.\"},\"finish_reason\":null}]}");
        var words = answer.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            var delta = i == 0 ? words[i] : " " + words[i];
            await WriteAsync(context, $"{{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{JsonSerializer.Serialize(delta)}}},\"finish_reason\":null}}]}}");
            await Task.Delay(60, context.RequestAborted);
        }

        await WriteAsync(context, "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        var input = (question.Length / 4) + 20;
        await WriteAsync(context, $"{{\"choices\":[],\"usage\":{{\"prompt_tokens\":{input},\"completion_tokens\":{words.Length},\"total_tokens\":{input + words.Length}}}}}");
        await WriteAsync(context, "[DONE]");
    }

    private static async Task WriteAsync(HttpContext context, string data)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("data: " + data + "\n\n"), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
