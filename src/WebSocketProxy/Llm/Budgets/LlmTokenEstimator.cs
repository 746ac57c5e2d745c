using System.Collections.Concurrent;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace WebSocketProxy.Llm;

/// <summary>
/// Token counts the gateway must know before the provider reports them: the reservation of a request and the usage
/// of an answer the provider never finished. OpenAI models are counted with their own tokenizer (o200k_base, cl100k_base,
/// shipped in packages: nothing is downloaded); every other model is bounded by UTF-8 bytes, since a byte-level BPE or a
/// SentencePiece model with byte fallback never makes more tokens than bytes.
/// </summary>
internal static class LlmTokenEstimator
{
    /// <summary>Tokens of framing per message (role, separators), as OpenAI counts them (3) plus one of margin.</summary>
    public const int PerMessage = 4;

    /// <summary>Tokens that prime the reply.</summary>
    public const int Priming = 3;

    /// <summary>An upper bound for one image: OpenAI's high-detail 2048×768 image is 1105 tokens, Anthropic's largest about 1600.</summary>
    public const int PerImage = 1600;

    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer?>> Encodings = new(StringComparer.Ordinal);

    /// <summary>Counts the input of a request: every message's text, tool calls and results, images, and the tools' declarations.</summary>
    public static int EstimateInput(string model, IReadOnlyList<LlmMessage> messages, IReadOnlyList<LlmTool>? tools)
    {
        var tokenizer = TokenizerFor(model);
        long tokens = Priming;
        foreach (var message in messages)
        {
            tokens += PerMessage;
            if (message.Parts is not { } parts)
            {
                tokens += Count(tokenizer, message.Content);
            }
            else
            {
                foreach (var part in parts)
                {
                    tokens += part.ImageUrl is not null ? PerImage : Count(tokenizer, part.Text);
                }
            }

            if (message.ToolCalls is { } calls)
            {
                foreach (var call in calls)
                {
                    tokens += PerMessage + Count(tokenizer, call.Name) + Count(tokenizer, call.Arguments) + Count(tokenizer, call.Id);
                }
            }

            tokens += Count(tokenizer, message.ToolCallId);
        }

        if (tools is not null)
        {
            foreach (var tool in tools)
            {
                tokens += PerMessage + Count(tokenizer, tool.Name) + Count(tokenizer, tool.Description)
                    + Count(tokenizer, tool.Parameters?.GetRawText());
            }
        }

        return (int)Math.Min(tokens, int.MaxValue);
    }

    /// <summary>Counts the tokens of some output text of <paramref name="model"/>.</summary>
    public static int EstimateOutput(string model, string text) => Count(TokenizerFor(model), text);

    /// <summary>Gets the tokenizer of an OpenAI model, or <see langword="null"/> when the model is not known to use one.</summary>
    public static Tokenizer? TokenizerFor(string model)
    {
        var encoding = EncodingOf(model);
        return encoding is null ? null : Encodings.GetOrAdd(encoding, static name => new Lazy<Tokenizer?>(() => Load(name))).Value;
    }

    /// <summary>
    /// Loads, in the background, the tokenizers of the configured models (loading o200k_base takes about a second), so
    /// the first request does not wait for it.
    /// </summary>
    public static void WarmUp(IEnumerable<string> models)
    {
        var encodings = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            if (EncodingOf(model) is { } encoding && encodings.Add(encoding) && !Encodings.ContainsKey(encoding))
            {
                _ = Task.Run(() => TokenizerFor(model));
            }
        }
    }

    /// <summary>The tiktoken encoding of an OpenAI model id (provider prefixes such as <c>openai/</c> are ignored).</summary>
    public static string? EncodingOf(string model)
    {
        var slash = model.LastIndexOf('/');
        var name = (slash >= 0 ? model[(slash + 1)..] : model).Trim().ToLowerInvariant();
        if (name.StartsWith("gpt-4o", StringComparison.Ordinal) || name.StartsWith("gpt-4.1", StringComparison.Ordinal)
            || name.StartsWith("gpt-4.5", StringComparison.Ordinal) || name.StartsWith("gpt-5", StringComparison.Ordinal)
            || name.StartsWith("chatgpt-4o", StringComparison.Ordinal) || name.StartsWith("gpt-oss", StringComparison.Ordinal)
            || IsOSeries(name))
        {
            return "o200k_base";
        }

        if (name.StartsWith("gpt-4", StringComparison.Ordinal) || name.StartsWith("gpt-3.5", StringComparison.Ordinal)
            || name.StartsWith("text-embedding-3", StringComparison.Ordinal) || name.StartsWith("text-embedding-ada-002", StringComparison.Ordinal))
        {
            return "cl100k_base";
        }

        return null;
    }

    /// <summary>Whether the model is an OpenAI o-series reasoning model (<c>o1</c>, <c>o3-mini</c>, <c>o4-mini</c>…).</summary>
    public static bool IsOSeries(string name)
        => name.Length >= 2 && name[0] == 'o' && char.IsAsciiDigit(name[1]);

    /// <summary>Loads a tiktoken encoding from its data package; without it (a trimmed deployment) the UTF-8 bound is used.</summary>
    private static Tokenizer? Load(string encoding)
    {
        try
        {
            return TiktokenTokenizer.CreateForEncoding(encoding);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException or NotSupportedException or TypeLoadException or FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Fills the figures the provider did not report; a reported figure is never replaced.</summary>
    public static LlmUsage Complete(LlmUsage reported, int estimatedInput, int estimatedOutput, bool forceEstimated)
    {
        var estimated = forceEstimated;
        var input = reported.InputTokens;
        if (input is null)
        {
            input = estimatedInput;
            estimated = true;
        }

        var output = reported.OutputTokens;
        if (output is null)
        {
            output = estimatedOutput;
            estimated = true;
        }

        return new LlmUsage
        {
            InputTokens = input,
            OutputTokens = output,
            CachedTokens = reported.CachedTokens ?? 0,
            TotalTokens = reported.TotalTokens is { } total && reported.InputTokens is not null && reported.OutputTokens is not null ? total : input + output,
            Estimated = estimated,
        };
    }

    /// <summary>Merges a provider report into the figures so far: each reported field replaces the earlier one (Anthropic's counts are cumulative).</summary>
    public static LlmUsage Merge(LlmUsage current, LlmUsage report) => new()
    {
        InputTokens = report.InputTokens ?? current.InputTokens,
        OutputTokens = report.OutputTokens ?? current.OutputTokens,
        CachedTokens = report.CachedTokens ?? current.CachedTokens,
        TotalTokens = report.TotalTokens ?? current.TotalTokens,
    };

    private static int Count(Tokenizer? tokenizer, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        if (tokenizer is null)
        {
            return Encoding.UTF8.GetByteCount(text);
        }

        // Data URLs inside text are not images to the tokenizer; counting them is slow and they are bounded by bytes anyway.
        return text.Length > 200_000 ? Encoding.UTF8.GetByteCount(text) : tokenizer.CountTokens(text);
    }
}
