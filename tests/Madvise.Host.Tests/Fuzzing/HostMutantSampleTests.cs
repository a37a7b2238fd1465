using System.Globalization;
using Madvise.Host.Tests.Differential;
using Madvise.Host.Tests.Shared;
using Madvise.Scenarios;
using Madvise.Scenarios.Steps;
using Madvise.Scenarios.Tests.Fuzzing;
using Xunit.Abstractions;

namespace Madvise.Host.Tests.Fuzzing;

/// <summary>
/// A small sample of the scenario mutation fuzzer's mutants (Madvise.Scenarios.Tests/Fuzzing,
/// whose mutator is compiled in here) on the host target as well as the simulated kernel: no
/// step may end in a target exception, no task process may die, and nothing may hang. Only
/// mutants that parse and keep to small sizes run here (<see cref="HostSafe"/>): the host
/// target's memory is real. The two kernels' differences are counted and printed, not judged:
/// some are host limits or the sim target's choices, and the random
/// differential is the test that judges them.
/// </summary>
/// <remarks>
/// <see cref="DefaultMutants"/> in the suite; MADV_MUTFUZZ_HOST=N runs N. The seed and its
/// replay are those of the sim fuzzer (MADV_MUTFUZZ_SEED=SEED or SEED:INDEX).
/// </remarks>
[Collection(DifferentialCollection.Name)]
public sealed class HostMutantSampleTests(ITestOutputHelper log)
{
    /// <summary>Mutants run on the host in the normal suite.</summary>
    private const int DefaultMutants = 12;

    /// <summary>The largest length, file or vector a mutant run on the host may name.</summary>
    private const ulong HostBound = 16UL << 20;

    /// <summary>How long one mutant may take on both kernels.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [RootAgentFact]
    public async Task CorpusMutants_OnTheHostTarget_NoTargetExceptionNoDeadTaskNoHang()
    {
        var text = Environment.GetEnvironmentVariable("MADV_MUTFUZZ_SEED");
        var parts = string.IsNullOrEmpty(text) ? [] : text.Split(':');
        var seed = parts.Length > 0 ? int.Parse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture) : Random.Shared.Next();
        int? only = parts.Length > 1 ? int.Parse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture) : null;
        var wanted = only is null
            ? int.TryParse(Environment.GetEnvironmentVariable("MADV_MUTFUZZ_HOST"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : DefaultMutants
            : 1;
        var corpus = Directory.EnumerateFiles(RepositoryPaths.Corpus, "*.scn").Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToArray();
        var mutator = new ScenarioMutator(corpus);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"host mutant sample: seed {seed}, {wanted} mutants (replay: MADV_MUTFUZZ_SEED={seed}; one mutant: MADV_MUTFUZZ_SEED={seed}:INDEX)"));
        var failures = new List<string>();
        int ran = 0, tried = 0, steps = 0, differing = 0, configRefused = 0;
        for (var index = only ?? 0; ran < wanted && tried < wanted * 100; index++, tried++)
        {
            var mutant = mutator.Mutate(seed, index);
            Scenario scenario;
            try
            {
                scenario = ScenarioParser.ParseUtf8(mutant.Bytes, mutant.Origin);
            }
            catch (ScenarioParseException)
            {
                continue;
            }

            if (!HostSafe(scenario))
            {
                continue;
            }

            var profiles = Enum.GetValues<Madvise.Kernel.KernelProfile>();
            var profile = profiles[index % profiles.Length];
            if (SimRefusesItsConfig(scenario, profile))
            {
                // The file stops at the config on the sim (ERROR(config: ...)) but not on the host,
                // which compares it: nothing to run on both.
                configRefused++;
                continue;
            }

            ran++;
            var what = string.Create(CultureInfo.InvariantCulture, $"mutant {seed}:{index} of {mutant.Origin} ({mutant.Description})");
            var run = Task.Run(() => DifferentialRun.Of(scenario, profile));
            if (await Task.WhenAny(run, Task.Delay(Timeout)) != run)
            {
                failures.Add($"{what}: no result after {Timeout.TotalSeconds} s");
                break;
            }

            var result = await run;
            steps += result.Host.Steps.Count;
            differing += result.Comparison.Differences.Count > 0 ? 1 : 0;
            foreach (var (name, report) in new[] { ("sim", result.Sim), ("host", result.Host) })
            {
                foreach (var step in report.Steps)
                {
                    if (step.Verdict == StepVerdict.Error && !step.Result.StartsWith("ERROR(config:", StringComparison.Ordinal))
                    {
                        failures.Add($"{what}: {name} line {step.Step.Line} '{step.Text}' = {step.Result}");
                    }

                    foreach (var death in step.TaskDeaths)
                    {
                        failures.Add($"{what}: {name} line {step.Step.Line}: {death}");
                    }
                }
            }

            if (result.Comparison.Differences.Count > 0)
            {
                log.WriteLine($"{what}: the kernels differ:\n{result.DescribeDifferences()}");
            }
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ran} mutants ran on both kernels ({steps} steps) of {tried} made ({configRefused} left out: a config the sim cannot take); {differing} with a difference between the kernels; {failures.Count} failures"));
        Assert.True(ran == wanted, string.Create(CultureInfo.InvariantCulture, $"only {ran} of {tried} mutants could run on the host"));
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(10)));
    }

    /// <summary>Whether the sim target refuses one of the file's config steps (the run then stops there, runner rule 10).</summary>
    private static bool SimRefusesItsConfig(Scenario scenario, Madvise.Kernel.KernelProfile profile)
    {
        var configs = scenario.Steps.TakeWhile(step => step is ConfigStep).ToArray();
        if (configs.Length == 0)
        {
            return false;
        }

        using var target = new Madvise.Scenarios.Sim.SimTarget(profile);
        return ScenarioRunner.Run(scenario with { Steps = configs }, target, TextWriter.Null).ConfigError is not null;
    }

    /// <summary>Whether every size <paramref name="scenario"/> names is at most <see cref="HostBound"/> (a vector: all its entries together).</summary>
    private static bool HostSafe(Scenario scenario) => scenario.Steps.All(step => step switch
    {
        RangeStep r => r.Length <= HostBound,
        MmapStep m => m.Length <= HostBound,
        FileStep f => f.Length <= HostBound,
        PmadviseStep p => p.Vector switch
        {
            VectorArgument<AddressExpression>.List list => list.Entries.All(e => e.Length <= HostBound) && list.Entries.Count <= 16,
            VectorArgument<AddressExpression>.Seq seq => seq.Count <= 1024 && seq.Length <= HostBound / 1024,
            _ => true,
        },
        _ => true,
    });
}
