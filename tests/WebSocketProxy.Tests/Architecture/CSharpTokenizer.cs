namespace WebSocketProxy.Tests.Architecture;

/// <summary>The two kinds of token the architecture analyzer keeps.</summary>
internal enum CSharpTokenKind
{
    Identifier,
    Punctuation,
}

/// <summary>One identifier (keywords included) or punctuation token, with the line it starts on.</summary>
internal readonly record struct CSharpToken(CSharpTokenKind Kind, string Text, int Line, bool IsVerbatimIdentifier = false)
{
    public bool IsIdentifier => Kind == CSharpTokenKind.Identifier;

    public bool Is(string punctuation) => Kind == CSharpTokenKind.Punctuation && Text == punctuation;

    /// <summary>True for the keyword itself; <c>@class</c> is an identifier, not the keyword.</summary>
    public bool IsWord(string word) => Kind == CSharpTokenKind.Identifier && !IsVerbatimIdentifier && Text == word;
}

/// <summary>
/// Splits C# source into identifier and punctuation tokens. Everything that is not code is dropped:
/// whitespace, <c>//</c>, <c>/* */</c> and <c>///</c> comments, preprocessor lines, numbers, character
/// literals and the text of string literals (regular, verbatim, raw <c>"""</c>, UTF-8 <c>u8</c>).
/// Interpolated strings (<c>$"…"</c>, <c>$@"…"</c>, <c>$$"""…"""</c>) drop their text but keep the code in
/// their holes, up to an alignment's or format's text, which is dropped too.
/// </summary>
/// <remarks>
/// A lexer, not a parser: it needs only enough of C# to know where code stops and text starts. Source
/// that does not compile (an unterminated string) is tokenized as well as it goes, never thrown at.
/// </remarks>
internal sealed class CSharpTokenizer
{
    // Longest first: "??=" before "??".
    private static readonly string[] Operators =
    [
        "??=", "<<=", "::", "=>", "==", "!=", "<=", ">=", "?.", "??", "&&", "||", "++", "--", "->",
        "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    ];

    private readonly string _text;
    private readonly List<CSharpToken> _tokens = [];
    private int _pos;
    private int _line = 1;

    private CSharpTokenizer(string text)
    {
        _text = text;
    }

    public static IReadOnlyList<CSharpToken> Tokenize(string text)
    {
        var tokenizer = new CSharpTokenizer(text);
        while (tokenizer._pos < text.Length)
        {
            tokenizer.LexOne();
        }

        return tokenizer._tokens;
    }

    private char Peek(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    // Lexes one token, or skips one piece of trivia or one whole literal.
    private void LexOne()
    {
        var c = _text[_pos];
        if (c == '\n')
        {
            _line++;
            _pos++;
        }
        else if (char.IsWhiteSpace(c))
        {
            _pos++;
        }
        else if (c == '/' && Peek(1) == '/')
        {
            SkipToEndOfLine();
        }
        else if (c == '/' && Peek(1) == '*')
        {
            SkipBlockComment();
        }
        else if (c == '#')
        {
            // '#' only ever starts a preprocessor directive (#if, #pragma warning disable CA1234, …).
            SkipToEndOfLine();
        }
        else if (c == '\'')
        {
            SkipCharLiteral();
        }
        else if (c == '"' || c == '$' || (c == '@' && (Peek(1) == '"' || Peek(1) == '$')))
        {
            SkipString();
        }
        else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(1))))
        {
            SkipNumber();
        }
        else if (c == '@' && IsIdentifierStart(Peek(1)))
        {
            _pos++;
            LexIdentifier(verbatim: true);
        }
        else if (IsIdentifierStart(c))
        {
            LexIdentifier(verbatim: false);
        }
        else
        {
            LexPunctuation();
        }
    }

    private static bool IsIdentifierStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c == '_';

    private void LexIdentifier(bool verbatim)
    {
        var start = _pos;
        while (_pos < _text.Length && IsIdentifierPart(_text[_pos]))
        {
            _pos++;
        }

        _tokens.Add(new CSharpToken(CSharpTokenKind.Identifier, _text[start.._pos], _line, verbatim));
    }

    private void LexPunctuation()
    {
        // Every operator of more than one character has one of these as its second character.
        if (!"=:>.?&|+-<".Contains(Peek(1), StringComparison.Ordinal))
        {
            _tokens.Add(new CSharpToken(CSharpTokenKind.Punctuation, _text[_pos].ToString(), _line));
            _pos++;
            return;
        }

        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(_text, _pos, op, 0, op.Length) == 0)
            {
                _tokens.Add(new CSharpToken(CSharpTokenKind.Punctuation, op, _line));
                _pos += op.Length;
                return;
            }
        }

        _tokens.Add(new CSharpToken(CSharpTokenKind.Punctuation, _text[_pos].ToString(), _line));
        _pos++;
    }

    private void SkipToEndOfLine()
    {
        while (_pos < _text.Length && _text[_pos] != '\n')
        {
            _pos++;
        }
    }

    private void SkipBlockComment()
    {
        _pos += 2;
        while (_pos < _text.Length && !(_text[_pos] == '*' && Peek(1) == '/'))
        {
            if (_text[_pos] == '\n')
            {
                _line++;
            }

            _pos++;
        }

        _pos = Math.Min(_pos + 2, _text.Length);
    }

    private void SkipNumber()
    {
        // 0x1F, 1_000UL, 1.5e3f, .5m: letters, digits, '_' and a '.' that is followed by a digit.
        while (_pos < _text.Length
            && (IsIdentifierPart(_text[_pos]) || (_text[_pos] == '.' && char.IsAsciiDigit(Peek(1)))))
        {
            _pos++;
        }
    }

    private void SkipCharLiteral()
    {
        _pos++;
        if (Peek(0) == '\\')
        {
            _pos += 2;
            while (_pos < _text.Length && _text[_pos] != '\'' && _text[_pos] != '\n')
            {
                _pos++;
            }
        }
        else if (_pos < _text.Length && _text[_pos] != '\n')
        {
            _pos++;
        }

        if (Peek(0) == '\'')
        {
            _pos++;
        }
    }

    private void SkipString()
    {
        var dollars = 0;
        var verbatim = false;
        while (_text[_pos] == '$' || _text[_pos] == '@')
        {
            if (_text[_pos] == '$')
            {
                dollars++;
            }
            else
            {
                verbatim = true;
            }

            _pos++;
            if (_pos >= _text.Length)
            {
                return;
            }
        }

        if (_text[_pos] != '"')
        {
            // A lone '$' or '@' is not C#; drop it and go on.
            return;
        }

        var quotes = 0;
        while (Peek(quotes) == '"')
        {
            quotes++;
        }

        if (quotes >= 3 && !verbatim)
        {
            _pos += quotes;
            SkipRawStringBody(quotes, dollars);
        }
        else
        {
            _pos++;
            SkipQuotedStringBody(verbatim, interpolated: dollars > 0);
        }

        // "…"u8
        if ((Peek(0) == 'u' || Peek(0) == 'U') && Peek(1) == '8' && !IsIdentifierPart(Peek(2)))
        {
            _pos += 2;
        }
    }

    private void SkipQuotedStringBody(bool verbatim, bool interpolated)
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '\n')
            {
                if (!verbatim)
                {
                    // Unterminated regular string: stop here so the line count stays right.
                    return;
                }

                _line++;
                _pos++;
            }
            else if (c == '\\' && !verbatim)
            {
                _pos += 2;
            }
            else if (c == '"')
            {
                if (verbatim && Peek(1) == '"')
                {
                    _pos += 2;
                }
                else
                {
                    _pos++;
                    return;
                }
            }
            else if (interpolated && c == '{')
            {
                if (Peek(1) == '{')
                {
                    _pos += 2;
                }
                else
                {
                    _pos++;
                    LexInterpolationHole(closingBraces: 1);
                }
            }
            else
            {
                _pos++;
            }
        }
    }

    private void SkipRawStringBody(int quotes, int dollars)
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '\n')
            {
                _line++;
                _pos++;
            }
            else if (c == '"')
            {
                var run = CountRun('"');
                _pos += run;
                if (run >= quotes)
                {
                    return;
                }
            }
            else if (c == '{' && dollars > 0)
            {
                // In $$"""…""", "{" is text and "{{" opens a hole; in a longer run the last n open it.
                var run = CountRun('{');
                _pos += run;
                if (run >= dollars)
                {
                    LexInterpolationHole(closingBraces: dollars);
                }
            }
            else
            {
                _pos++;
            }
        }
    }

    private int CountRun(char c)
    {
        var run = 0;
        while (Peek(run) == c)
        {
            run++;
        }

        return run;
    }

    // Code up to the hole's closing brace(s); an alignment is code-free, a format (after a top-level ':') is text.
    private void LexInterpolationHole(int closingBraces)
    {
        var depth = 0;
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (depth == 0 && c == '}')
            {
                for (var i = 0; i < closingBraces && Peek(0) == '}'; i++)
                {
                    _pos++;
                }

                return;
            }

            if (depth == 0 && c == ':' && Peek(1) != ':')
            {
                while (_pos < _text.Length && _text[_pos] != '}')
                {
                    if (_text[_pos] == '\n')
                    {
                        _line++;
                    }

                    _pos++;
                }

                continue;
            }

            var before = _tokens.Count;
            LexOne();
            if (_tokens.Count > before && _tokens[^1].Kind == CSharpTokenKind.Punctuation)
            {
                switch (_tokens[^1].Text)
                {
                    case "(" or "[" or "{":
                        depth++;
                        break;
                    case ")" or "]" or "}":
                        depth--;
                        break;
                }
            }
        }
    }
}
