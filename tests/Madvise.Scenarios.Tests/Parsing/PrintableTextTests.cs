namespace Madvise.Scenarios.Tests.Parsing;

/// <summary>Echoing text from outside: control characters escaped, length capped.</summary>
public class PrintableTextTests
{
    [Theory]
    [InlineData("plain ascii, \u00fcml\u00e4uts, \u4e2d\u6587, \U0001F600", "plain ascii, \u00fcml\u00e4uts, \u4e2d\u6587, \U0001F600")]
    [InlineData("foo\u001b]0;pwned\u0007 bar", "foo\\e]0;pwned\\x07 bar")]
    [InlineData("\t\n\r\0\u007f\u0085\u009b", "\\t\\n\\r\\x00\\x7f\\x85\\x9b")]
    [InlineData("a\u202eb\u2066c\u2028", "a\\u202eb\\u2066c\\u2028")]
    public void EscapesWhatATerminalWouldObey(string text, string shown) => Assert.Equal(shown, PrintableText.Escape(text));

    [Fact]
    public void LoneSurrogatesAreEscaped()
    {
        // Built in code: attribute arguments cannot carry a lone surrogate (metadata is UTF-8).
        var text = "lone " + (char)0xd800 + " high, lone " + (char)0xdc00 + " low";
        Assert.Equal("lone \\ud800 high, lone \\udc00 low", PrintableText.Escape(text));
    }

    [Fact]
    public void CutsLongTextAndSaysHowMuchWasLeftOut()
    {
        Assert.Equal("abc...(3 more characters)", PrintableText.Escape("abcdef", 3));
        Assert.Equal("abcdef", PrintableText.Escape("abcdef", 6));
        Assert.Same("abcdef", PrintableText.Escape("abcdef"));
    }

    [Fact]
    public void NeverCutsASurrogatePairInTwo()
    {
        Assert.Equal("ab...(3 more characters)", PrintableText.Escape("ab\U0001F600c", 3));
    }

    [Fact]
    public void QuoteEscapesAndCaps()
    {
        var quoted = PrintableText.Quote(new string('\u001b', 1000));
        Assert.Equal(2 + (PrintableText.MaxEchoed * 2) + "...(936 more characters)".Length, quoted.Length);
        Assert.DoesNotContain('\u001b', quoted);
    }
}
