using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using Madvise.Scenarios;

namespace Madvise.Cli.Commands;

/// <summary>
/// Parsers for numeric options whose errors say what was expected in the user's words
/// (<c>--seconds: expected seconds, e.g. 2.5, not 'abc'</c>) instead of naming a .NET type.
/// </summary>
internal static class OptionValues
{
    /// <summary>A finite decimal number (invariant culture: '.' is the decimal point).</summary>
    /// <param name="expected">What the value is, with an example: <c>seconds, e.g. 2.5</c>.</param>
    public static Func<ArgumentResult, double?> Number(string expected) => result =>
    {
        var text = Text(result);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Fail(result, expected, text);
        return null;
    };

    /// <summary>A whole number that fits an <see cref="int"/>.</summary>
    /// <param name="expected">What the value is, with an example: <c>a number of passes, e.g. 5</c>.</param>
    public static Func<ArgumentResult, int?> WholeNumber(string expected) => result =>
    {
        var text = Text(result);
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Fail(result, expected, text);
        return null;
    };

    /// <summary>A whole number of type <typeparamref name="T"/>, for options that are not nullable (their default comes from DefaultValueFactory).</summary>
    /// <param name="expected">What the value is, with an example: <c>a number of runs, e.g. 3</c>.</param>
    public static Func<ArgumentResult, T> Integer<T>(string expected)
        where T : struct, IBinaryInteger<T> => result =>
    {
        var text = Text(result);
        if (T.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Fail(result, expected, text);
        return default;
    };

    /// <summary>The option's value as written (the last one when it is repeated).</summary>
    private static string Text(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";

    private static void Fail(ArgumentResult result, string expected, string text)
    {
        var name = (result.Parent as OptionResult)?.Option.Name ?? result.Argument.Name;
        result.AddError($"{name}: expected {expected}, not {PrintableText.Quote(text)}");
    }
}
