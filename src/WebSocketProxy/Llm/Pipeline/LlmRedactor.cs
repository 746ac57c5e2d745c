using System.Text.RegularExpressions;

namespace WebSocketProxy.Llm;

/// <summary>Makes a provider's error text fit for the server log: secrets masked, markup and line breaks flattened, length bounded.</summary>
internal static partial class LlmRedactor
{
    public const int MaxLength = 300;

    public static string Redact(string? text, LlmOptions options)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var result = text;
        foreach (var provider in options.Providers.Values)
        {
            if (provider.ApiKey is { Length: >= 8 } key)
            {
                result = result.Replace(key, "***", StringComparison.Ordinal);
            }
        }

        result = Secrets().Replace(result, "$1***");
        result = Markup().Replace(result, " ");
        result = Whitespace().Replace(result, " ").Trim();
        return result.Length > MaxLength ? result[..MaxLength] + "…" : result;
    }

    // sk-…, sk-proj-…, sk-ant-…, Bearer tokens, key=… and Google-style AIza… keys, including partly masked echoes ("sk-serve…1234").
    [GeneratedRegex(@"(\bsk-|\bBearer\s+|\b(?:api[_-]?key|x-api-key|key|token)\s*[=:]\s*|\bAIza)[A-Za-z0-9_\-\.…\*]{3,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Secrets();

    [GeneratedRegex(@"<[^>]{0,200}>")]
    private static partial Regex Markup();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
