using System.Text;

namespace WebSocketProxy.Llm;

/// <summary>Applies a route's prompt policy: model allow-list, templates, client system messages, system prompt, max_tokens cap.</summary>
internal static class LlmPromptPolicy
{
    /// <summary>Returns the messages and max_tokens to send, or the reason the request is refused.</summary>
    public static (IReadOnlyList<LlmMessage> Messages, int? MaxTokens, string? Error) Apply(LlmRouteConfig route, LlmClientRequest request, IReadOnlyList<string> models, LlmApiKey? apiKey = null)
    {
        foreach (var model in models)
        {
            if (route.AllowedModels.Count > 0 && !Contains(route.AllowedModels, model))
            {
                return ([], null, $"Model '{model}' is not allowed on this route.");
            }

            if (apiKey is { AllowedModels.Count: > 0 } && !Contains(apiKey.AllowedModels, model))
            {
                return ([], null, $"Model '{model}' is not allowed for this API key.");
            }
        }

        var allowSystem = route.AllowClientSystemMessages ?? string.IsNullOrEmpty(route.SystemPrompt);

        var messages = new List<LlmMessage>(request.Messages.Count + 2);
        if (!string.IsNullOrEmpty(route.SystemPrompt))
        {
            messages.Add(new LlmMessage("system", route.SystemPrompt));
        }

        foreach (var message in request.Messages)
        {
            if (message.Role == "system" && !allowSystem)
            {
                return ([], null, "System messages are not allowed on this route.");
            }

            messages.Add(message);
        }

        if (request.Template is { } name)
        {
            if (!route.Templates.TryGetValue(name, out var template))
            {
                return ([], null, $"Unknown template '{name}'.");
            }

            var (text, missing) = Render(template, request.Variables);
            if (missing is not null)
            {
                return ([], null, $"Template '{name}' needs the variable '{missing}'.");
            }

            messages.Add(new LlmMessage("user", text));
        }

        var hasConversation = false;
        foreach (var message in messages)
        {
            hasConversation |= message.Role != "system";
        }

        if (!hasConversation)
        {
            return ([], null, "The request has no user or assistant messages (send 'messages' or a 'template').");
        }

        var maxTokens = request.MaxTokens;
        if (route.MaxTokensCap is { } cap)
        {
            if (maxTokens > cap)
            {
                return ([], null, $"max_tokens {maxTokens} exceeds this route's cap of {cap}.");
            }

            maxTokens ??= cap;
        }

        return (messages, maxTokens, null);
    }

    /// <summary>Replaces each <c>{{name}}</c>; returns the first variable the template needs that was not given.</summary>
    public static (string Text, string? Missing) Render(string template, IReadOnlyDictionary<string, string> variables)
    {
        var result = new StringBuilder(template.Length);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf("{{", i, StringComparison.Ordinal);
            if (open < 0)
            {
                break;
            }

            var close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }

            result.Append(template, i, open - i);
            var name = template[(open + 2)..close].Trim();
            if (!variables.TryGetValue(name, out var value))
            {
                return (string.Empty, name);
            }

            result.Append(value);
            i = close + 2;
        }

        result.Append(template, i, template.Length - i);
        return (result.ToString(), null);
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        foreach (var item in list)
        {
            if (string.Equals(item, value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
