namespace WebSocketProxy.Llm;

/// <summary>
/// The user's request stages around the built-in ones (budget → cache → fallback/retry over targets and deployments →
/// provider stages → adapter), composed once like ASP.NET Core middleware: the first stage added runs first.
/// </summary>
internal sealed class LlmRequestPipeline
{
    private readonly LlmRequestStage[] _stages;

    public LlmRequestPipeline(IEnumerable<LlmRequestStage> stages, IServiceProvider services)
    {
        _stages = [.. stages];
        Services = services;
    }

    public bool IsEmpty => _stages.Length == 0;

    public IServiceProvider Services { get; }

    /// <summary>Runs the stages, then <paramref name="core"/> unless a stage refused or did not call its next stage.</summary>
    public ValueTask RunAsync(LlmRequestContext context, LlmRequestDelegate core)
    {
        var next = core;
        for (var i = _stages.Length - 1; i >= 0; i--)
        {
            var stage = _stages[i].Invoke;
            var inner = next;
            next = c => c.Refusal is null ? stage(c, inner) : ValueTask.CompletedTask;
        }

        return next(context);
    }
}
