using System.Text.RegularExpressions;
using Madvise.Kernel;
using Madvise.Scenarios.Sim;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Corpus;

/// <summary>docs/scenario-language.md stays true: its worked example runs and every expectation in it holds.</summary>
public sealed partial class LanguageDocTests
{
    [Fact]
    public void TheWorkedExampleHoldsOnTheSimulatedKernel()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "scenario-language.md"));
        var section = doc[doc.IndexOf("## 9. A worked example", StringComparison.Ordinal)..];
        var example = CodeBlock().Match(section).Groups[1].Value;
        var scenario = ScenarioParser.Parse(example, "docs/scenario-language.md (worked example)");

        using var target = new SimTarget(KernelProfile.PerVmaLock);
        var report = ScenarioRunner.Run(scenario, target, TextWriter.Null);

        Assert.Equal(17, report.Steps.Count);
        Assert.All(report.Steps, s => Assert.True(s.Verdict is StepVerdict.Held or StepVerdict.NotChecked, $"{s.Text} = {s.Result}"));
        Assert.Equal(16, report.Held);
    }

    [GeneratedRegex(@"```\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
