namespace Madvise.Scenarios;

/// <summary>Splits the step part of a scenario line into tokens.</summary>
/// <remarks>
/// Blanks are spaces and tabs. A <c>[</c> at the start of a token runs to the first
/// <c>]</c>, blanks included (vectors <c>[A 1p; B 2p]</c>); inside a word, a <c>(</c> runs
/// to the first <c>)</c> (<c>seq(A, 1p, 2p, 4)</c>). Neither nests.
/// </remarks>
internal static class ScenarioLexer
{
    /// <summary>Tokenizes <paramref name="line"/>; columns are 1-based positions in it.</summary>
    /// <exception cref="ScenarioParseException">An unterminated <c>[</c> or <c>(</c>, or a <c>[</c> inside a word.</exception>
    public static List<ScenarioToken> Tokenize(string line, string file, int lineNumber)
    {
        var tokens = new List<ScenarioToken>();
        var i = 0;
        while (i < line.Length)
        {
            if (IsBlank(line[i]))
            {
                i++;
                continue;
            }

            var start = i;
            if (line[i] == '[')
            {
                var close = line.IndexOf(']', i);
                if (close < 0)
                {
                    throw new ScenarioParseException(file, lineNumber, i + 1, "unterminated '['");
                }

                i = close + 1;
            }
            else
            {
                while (i < line.Length && !IsBlank(line[i]))
                {
                    if (line[i] == '(')
                    {
                        var close = line.IndexOf(')', i);
                        if (close < 0)
                        {
                            throw new ScenarioParseException(file, lineNumber, i + 1, "unterminated '('");
                        }

                        i = close + 1;
                    }
                    else if (line[i] == '[')
                    {
                        throw new ScenarioParseException(file, lineNumber, i + 1, "unexpected '['");
                    }
                    else
                    {
                        i++;
                    }
                }
            }

            tokens.Add(new ScenarioToken(line[start..i], start + 1));
        }

        return tokens;
    }

    /// <summary>Collapses every run of white space to one space and trims both ends (expectations, vector entries).</summary>
    public static string FoldWhitespace(string text) => string.Join(' ', SplitWhitespace(text));

    /// <summary>Splits on runs of white space, dropping empty pieces.</summary>
    public static string[] SplitWhitespace(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static bool IsBlank(char c) => c is ' ' or '\t';
}
