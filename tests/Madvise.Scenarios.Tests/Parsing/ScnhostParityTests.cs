using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Parsing;

/// <summary>
/// The normalised step texts equal scnhost.py's. The golden files Data/NAME.scnhost.out are
/// scnhost.py's stdout for Data/NAME.scn, recorded once by hand on this machine with
/// <c>python3 shared/tools/scnhost.py NAME.scn</c>; only the text before <c> = </c> is compared
/// (the results are the host kernel's).
/// </summary>
public class ScnhostParityTests
{
    [Theory]
    [InlineData("spec-example")]
    [InlineData("normalise")]
    [InlineData("tasks")]
    public void StepTextsEqualScnhost(string name)
    {
        var scenario = ScenarioParser.ParseFile(Path.Combine(Scn.DataDirectory, name + ".scn"));
        var golden = File.ReadAllLines(Path.Combine(Scn.DataDirectory, name + ".scnhost.out"))
            .Where(l => l.Contains(" = ", StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf(" = ", StringComparison.Ordinal)])
            .ToArray();
        Assert.NotEmpty(golden);
        Assert.Equal(golden, scenario.Steps.Select(s => s.Text));
    }

    [Theory]
    [InlineData("spec-example")]
    [InlineData("normalise")]
    [InlineData("tasks")]
    public void NormalisedTextIsAFixedPoint(string name)
    {
        // Parsing the normalised texts again gives the same texts: the echo is itself valid input.
        var first = ScenarioParser.ParseFile(Path.Combine(Scn.DataDirectory, name + ".scn"));
        var again = ScenarioParser.Parse(string.Join('\n', first.Steps.Select(s => s.Text)), "again.scn");
        Assert.Equal(first.Steps.Select(s => s.Text), again.Steps.Select(s => s.Text));
    }

}
