using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios.Tests.Shared;

/// <summary>Helpers shared by the tests.</summary>
internal static class Scn
{
    /// <summary>The folder of the copied Data files.</summary>
    public static string DataDirectory => Path.Combine(AppContext.BaseDirectory, "Data");

    /// <summary>Parses lines given one per argument.</summary>
    public static Scenario Parse(params string[] lines) => ScenarioParser.Parse(string.Join('\n', lines), "t.scn");

    /// <summary>The single step of a one-line scenario whose earlier lines set up names.</summary>
    public static T Last<T>(params string[] lines)
        where T : Step => Assert.IsType<T>(Parse(lines).Steps[^1]);

    /// <summary>The parse error of the given lines.</summary>
    public static ScenarioParseException Error(params string[] lines) =>
        Assert.Throws<ScenarioParseException>(() => Parse(lines));

    /// <summary>Runs the lines on <paramref name="target"/>; returns the report and the streamed output.</summary>
    public static (ScenarioReport Report, string Output, string Diagnostics) Run(FakeTarget target, params string[] lines)
    {
        var output = new StringWriter();
        var diagnostics = new StringWriter();
        var report = ScenarioRunner.Run(Parse(lines), target, output, diagnostics);
        return (report, output.ToString(), diagnostics.ToString());
    }

    /// <summary>The result strings of running the lines.</summary>
    public static string[] Results(FakeTarget target, params string[] lines) =>
        [.. Run(target, lines).Report.Steps.Select(s => s.Result)];
}
