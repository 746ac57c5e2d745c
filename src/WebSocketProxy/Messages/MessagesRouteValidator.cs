using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Model;

namespace WebSocketProxy.Messages;

/// <summary>
/// Validates a route's transformer keys (<c>Transformers</c>, <c>ClientToBackendTransformers</c>, <c>BackendToClientTransformers</c>,
/// <c>TransformerSettings</c>, <c>TransformerTimeout</c>) and <c>MessageValidation</c>, and compiles its <see cref="MessagePipeline"/>.
/// </summary>
/// <remarks>Transformers with settings are built per route, so a reload builds them anew; an entry used in several lists is built once.</remarks>
internal sealed class MessagesRouteValidator : IRouteConfigValidator
{
    private readonly IServiceProvider _services;

    public MessagesRouteValidator(IServiceProvider services)
    {
        _services = services;
    }

    public void Validate(RouteValidationContext context)
    {
        var config = context.Config;
        var start = context.Errors.Count;
        var settings = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        if (config.TransformerSettings is not null)
        {
            foreach (var (name, values) in config.TransformerSettings)
            {
                settings[name] = values;
            }
        }

        var entries = new Dictionary<string, Entry?>(StringComparer.OrdinalIgnoreCase);
        var both = Resolve(context, nameof(config.Transformers), config.Transformers, settings, entries);
        var toBackend = Resolve(context, nameof(config.ClientToBackendTransformers), config.ClientToBackendTransformers, settings, entries);
        var toClient = Resolve(context, nameof(config.BackendToClientTransformers), config.BackendToClientTransformers, settings, entries);
        foreach (var name in settings.Keys)
        {
            if (!entries.ContainsKey(name))
            {
                context.AddError($"TransformerSettings:{name}", "is not used: no transformer list of the route names it.");
            }
        }

        var timeout = MessagePipeline.DefaultTimeout;
        if (config.TransformerTimeout is { } configured)
        {
            if (configured == Timeout.InfiniteTimeSpan || configured > TimeSpan.Zero)
            {
                timeout = configured;
            }
            else
            {
                context.AddError(nameof(config.TransformerTimeout), "must be positive, or -00:00:00.001 (infinite) to disable it.");
            }
        }

        var validator = MessageValidationTransformer.Create(config.MessageValidation, $"{context.Key}:MessageValidation", context.Errors);
        if (context.Errors.Count != start)
        {
            return;
        }

        var clientToBackend = new List<Entry>(both.Count + toBackend.Count + 1);
        if (validator is not null)
        {
            clientToBackend.Add(new Entry(new MessagePipelineStep("MessageValidation", validator), null));
        }

        clientToBackend.AddRange(both);
        clientToBackend.AddRange(toBackend);
        var backendToClient = new List<Entry>(both.Count + toClient.Count);
        backendToClient.AddRange(both);
        backendToClient.AddRange(toClient);
        context.Features.Add(Compile(clientToBackend, backendToClient, timeout));
    }

    private static MessagePipeline Compile(List<Entry> clientToBackend, List<Entry> backendToClient, TimeSpan timeout)
    {
        if (clientToBackend.Count == 0 && backendToClient.Count == 0)
        {
            return timeout == MessagePipeline.DefaultTimeout ? MessagePipeline.Empty : new MessagePipeline([], [], timeout);
        }

        var subprotocols = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in (List<Entry>[])[clientToBackend, backendToClient])
        {
            foreach (var step in entry)
            {
                if (step.Subprotocol is not null)
                {
                    subprotocols.Add(step.Subprotocol);
                }
            }
        }

        Dictionary<string, MessagePipeline>? bySubprotocol = null;
        if (subprotocols.Count > 0)
        {
            bySubprotocol = new Dictionary<string, MessagePipeline>(StringComparer.OrdinalIgnoreCase);
            foreach (var subprotocol in subprotocols)
            {
                bySubprotocol[subprotocol] = new MessagePipeline(Steps(clientToBackend, subprotocol), Steps(backendToClient, subprotocol), timeout);
            }
        }

        return new MessagePipeline(Steps(clientToBackend, null), Steps(backendToClient, null), timeout, bySubprotocol);
    }

    /// <summary>The steps that run for a session whose client negotiated <paramref name="subprotocol"/> (null: none that any entry names).</summary>
    private static MessagePipelineStep[] Steps(List<Entry> entries, string? subprotocol)
    {
        var steps = new List<MessagePipelineStep>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry.Subprotocol is null || string.Equals(entry.Subprotocol, subprotocol, StringComparison.OrdinalIgnoreCase))
            {
                steps.Add(entry.Step);
            }
        }

        return [.. steps];
    }

    private List<Entry> Resolve(RouteValidationContext context, string listKey, IReadOnlyList<string>? names, Dictionary<string, IReadOnlyDictionary<string, string>> settings, Dictionary<string, Entry?> entries)
    {
        var resolved = new List<Entry>();
        if (names is null)
        {
            return resolved;
        }

        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (string.IsNullOrWhiteSpace(name))
            {
                context.AddError($"{listKey}:{i}", "is empty: name a transformer.");
                continue;
            }

            if (!entries.TryGetValue(name, out var entry))
            {
                entry = Build(context, $"{listKey}:{i}", name, settings.GetValueOrDefault(name));
                entries[name] = entry;
            }

            if (entry is not null)
            {
                resolved.Add(entry);
            }
        }

        return resolved;
    }

    private Entry? Build(RouteValidationContext context, string listKey, string name, IReadOnlyDictionary<string, string>? values)
    {
        var settingsKey = $"{context.Key}:TransformerSettings:{name}";
        var settings = new MessageTransformerSettings(context.Id, name, settingsKey, values);
        var type = settings.GetString(MessageTransformerSettings.TypeKey) ?? name;
        var subprotocol = settings.GetString(MessageTransformerSettings.SubprotocolKey);
        if (_services.GetKeyedService<IMessageTransformer>(type) is { } instance)
        {
            if (settings.HasTransformerSettings())
            {
                context.Errors.Add($"{settingsKey} has settings, but transformer '{type}' is registered as an instance and reads none: register it with AddMessageTransformerFactory to read settings.");
                return null;
            }

            return new Entry(new MessagePipelineStep(name, instance), subprotocol);
        }

        if (_services.GetKeyedService<MessageTransformerFactory>(type) is not { } factory)
        {
            context.AddError(listKey, $"refers to unknown transformer '{type}'. Register it with AddMessageTransformer, or use a built-in: JsonEnvelope, JsonRedaction, TextBinary, BinaryJson, MessageAudit.");
            return null;
        }

        IMessageTransformer transformer;
        try
        {
            transformer = factory.Create(_services, settings);
        }
        catch (Exception ex)
        {
            context.Errors.Add(ex.Message.StartsWith(settingsKey, StringComparison.Ordinal) ? ex.Message : $"{settingsKey} cannot build transformer '{type}': {ex.Message}");
            return null;
        }

        var ok = true;
        foreach (var key in settings.UnreadKeys())
        {
            context.Errors.Add($"{settingsKey}:{key} is not a setting of transformer '{type}'.");
            ok = false;
        }

        return ok ? new Entry(new MessagePipelineStep(name, transformer), subprotocol) : null;
    }

    private sealed record Entry(MessagePipelineStep Step, string? Subprotocol);
}
