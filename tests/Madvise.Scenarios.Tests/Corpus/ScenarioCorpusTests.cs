using System.Collections.Concurrent;
using System.Text;
using Madvise.Kernel;
using Madvise.Kernel.Mm.Physical;
using Madvise.Scenarios.Sim;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Corpus;

/// <summary>
/// The conformance corpus (tests/scenarios/*.scn, host-verified) on the simulated kernel under
/// every kernel profile: every expectation holds, no step is skipped or throws, the printed
/// output (every <c>TEXT = RESULT</c> line) is the same under every profile — a profile changes
/// how locks are taken and TLBs flushed, never a result — and afterwards every address space
/// passes its invariant check and, once every task has exited, no frame is in use.
/// </summary>
public sealed class ScenarioCorpusTests
{
    /// <summary>The profile whose output the others are compared with.</summary>
    private const KernelProfile Reference = KernelProfile.PerRangeLock;

    /// <summary>The reference profile's output per file, computed once.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<string>> ReferenceOutputs = new(StringComparer.Ordinal);

    /// <summary>Every corpus file (by name) under every profile.</summary>
    public static TheoryData<string, KernelProfile> Cases()
    {
        var data = new TheoryData<string, KernelProfile>();
        var files = Directory.GetFiles(RepoPaths.ScenarioCorpus, "*.scn");
        Array.Sort(files, StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var profile in Enum.GetValues<KernelProfile>())
            {
                data.Add(Path.GetFileName(file), profile);
            }
        }

        return data;
    }

    [Fact]
    public void TheCorpusIsThere() =>
        Assert.True(Directory.GetFiles(RepoPaths.ScenarioCorpus, "*.scn").Length >= 45, $"the corpus at {RepoPaths.ScenarioCorpus} is missing files");

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryExpectationHoldsAndTheOutputIsTheSameUnderEveryProfile(string file, KernelProfile profile)
    {
        var output = RunChecked(file, profile);
        if (profile != Reference)
        {
            var reference = ReferenceOutputs.GetOrAdd(file, f => new Lazy<string>(() => RunChecked(f, Reference))).Value;
            Assert.True(reference == output, $"{file}: output under {profile} differs from {Reference}:\n{FirstDifference(reference, output)}");
        }
    }

    /// <summary>
    /// Runs <paramref name="file"/> on a fresh sim target, asserts its expectations and the
    /// kernel's state after it, and returns the printed output.
    /// </summary>
    private static string RunChecked(string file, KernelProfile profile)
    {
        var scenario = ScenarioParser.ParseFile(Path.Combine(RepoPaths.ScenarioCorpus, file));
        using var target = new SimTarget(profile);
        var output = new StringWriter();
        var diagnostics = new StringWriter();
        var report = ScenarioRunner.Run(scenario, target, output, diagnostics);

        var failures = new StringBuilder();
        foreach (var step in report.Steps)
        {
            if (step.Verdict is StepVerdict.Mismatch or StepVerdict.Error or StepVerdict.Skipped)
            {
                failures.AppendLine($"  {file}:{step.Step.Line}: {step.Text}: expected '{step.Expected}', got '{step.Result}'");
            }
        }

        Assert.True(failures.Length == 0, $"{file} on {profile}:\n{failures}{diagnostics}");
        Assert.Equal(scenario.Steps.Count(s => s.Expected is not null), report.Held);

        AssertKernelState(target.Kernel, file, profile);
        return output.ToString();
    }

    /// <summary>Invariants of every live address space, then every task exits and only retired (poisoned) frames may stay in use.</summary>
    private static void AssertKernelState(Kernel.SimulatedKernel kernel, string file, KernelProfile profile)
    {
        var tasks = kernel.Processes.Snapshot();
        foreach (var task in tasks)
        {
            task.Mm?.AssertInvariants();
        }

        foreach (var task in tasks)
        {
            task.Exit();
        }

        // Frames waiting in a CPU's folio batch are still referenced until a drain.
        kernel.LruBatches.DrainAll();
        var memory = kernel.Memory;
        long poisoned = 0;
        for (var pfn = 1; pfn < memory.CreatedFrames; pfn++)
        {
            if (memory.Frame(pfn).Has(PageFlags.HwPoison))
            {
                poisoned++;
            }
        }

        Assert.True(memory.FramesInUse == poisoned, $"{file} on {profile}: {memory.FramesInUse} frames in use after every task exited ({poisoned} poisoned)");
        Assert.Equal(memory.FramesInUse, memory.CountFramesInUseSlow());
    }

    /// <summary>The first line where two outputs differ, for the failure message.</summary>
    private static string FirstDifference(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : "<end>";
            var y = i < b.Length ? b[i] : "<end>";
            if (x != y)
            {
                return $"  line {i + 1}:\n  {Reference}: {x}\n  this:  {y}";
            }
        }

        return "  (no line differs)";
    }
}
