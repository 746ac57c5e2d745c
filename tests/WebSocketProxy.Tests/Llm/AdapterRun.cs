using WebSocketProxy.Testing;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Llm;

namespace WebSocketProxy.Tests.Llm;

/// <summary>A part of an answer as a client would assemble it: its type, id, tool name and concatenated fragments.</summary>
public sealed record AssembledPart(LlmPartType Part, string? PartId, string? Name, string Text);

/// <summary>Runs an adapter against a loopback upstream and reads its events back.</summary>
internal static class AdapterRun
{
    public static IHttpClientFactory HttpFactory()
    {
        var services = new ServiceCollection();
        services.AddHttpClient(LlmHttp.ClientName);
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
    }

    public static LlmRequest Request(
        LoopbackUpstream upstream,
        string type,
        IReadOnlyList<LlmMessage>? messages = null,
        IReadOnlyList<LlmTool>? tools = null,
        LlmToolChoice? toolChoice = null) => new()
        {
            ProviderName = "p",
            Provider = new LlmProviderConfig { Type = type, BaseUrl = type is LlmAdapterNames.Ollama ? upstream.BaseUrl : upstream.BaseUrl + "/v1", ApiKey = "sk-test" },
            Model = "m",
            Messages = messages ?? [new("user", "Hello")],
            MaxTokens = 100,
            Tools = tools,
            ToolChoice = toolChoice,
        };

    public static async Task<List<LlmStreamEvent>> RunAsync(ILlmStreamAdapter adapter, LlmRequest request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var events = new List<LlmStreamEvent>();
        await foreach (var item in adapter.StreamAsync(request, timeout.Token))
        {
            events.Add(item);
        }

        return events;
    }

    /// <summary>Groups the deltas by (part, id) in order of first appearance and concatenates each group's fragments.</summary>
    public static List<AssembledPart> Parts(IEnumerable<LlmStreamEvent> events)
    {
        var order = new List<(LlmPartType Part, string? Id)>();
        var texts = new Dictionary<(LlmPartType, string?), StringBuilder>();
        var names = new Dictionary<(LlmPartType, string?), string?>();
        foreach (var e in events.Where(e => e.Kind == LlmStreamEventKind.Delta))
        {
            var key = (e.Part, e.PartId);
            if (!texts.TryGetValue(key, out var text))
            {
                order.Add(key);
                texts[key] = text = new StringBuilder();
                names[key] = null;
            }

            text.Append(e.Text);
            if (e.ToolName is not null)
            {
                names[key].Should().BeNull("a tool call's name comes once, with its first fragment");
                names[key] = e.ToolName;
            }
        }

        return order.Select(k => new AssembledPart(k.Part, k.Id, names[k], texts[k].ToString())).ToList();
    }

    public static string Text(IEnumerable<LlmStreamEvent> events)
        => string.Concat(events.Where(e => e.Kind == LlmStreamEventKind.Delta && e.Part == LlmPartType.Text).Select(e => e.Text));

    public static LlmUsage Usage(IEnumerable<LlmStreamEvent> events)
        => events.Where(e => e.Kind == LlmStreamEventKind.Usage).Aggregate(new LlmUsage(), (acc, e) => LlmTokenEstimator.Merge(acc, e.Usage!));
}
