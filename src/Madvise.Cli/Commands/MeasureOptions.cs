using System.CommandLine;
using Madvise.Abi;
using Madvise.Host;
using Madvise.Kernel;

namespace Madvise.Cli.Commands;

/// <summary>The options <c>madv eval</c> and <c>madv contention</c> share, and their resolution into settings.</summary>
internal sealed class MeasureOptions
{
    /// <summary>--mem SIZE.</summary>
    public Option<string?> Mem { get; } = new("--mem")
    {
        Description = "Buffer size, with a K, M or G suffix (powers of 1024).",
        HelpName = "SIZE",
    };

    /// <summary>--unit SIZE.</summary>
    public Option<string?> Unit { get; } = new("--unit")
    {
        Description = "Bytes per advised range (a multiple of 4K) [default: 4K].",
        HelpName = "SIZE",
    };

    /// <summary>--hint NAME.</summary>
    public Option<string?> Hint { get; } = new("--hint")
    {
        Description = "The behaviour, by name (DONTNEED, FREE, COLD, PAGEOUT, ...) [default: DONTNEED].",
        HelpName = "NAME",
    };

    /// <summary>--thp always|madvise|never.</summary>
    public Option<string?> Thp { get; } = new("--thp")
    {
        Description = "Run on THP-backed memory in this transparent-huge-page mode: the simulated kernels run in it; the host must already (its mode is machine-wide and is never changed here); with madvise the buffer gets MADV_HUGEPAGE; each pass starts from a fresh buffer [default: off, the seed's workload].",
        HelpName = "always|madvise|never",
    };

    /// <summary>--target sim|host|both.</summary>
    public Option<string?> Target { get; } = new("--target", "-t")
    {
        Description = "The kernels: sim (simulated profiles), host (this Linux kernel) or both [default: both].",
        HelpName = "sim|host|both",
    };

    /// <summary>--profiles LIST.</summary>
    public Option<string?> Profiles { get; } = new("--profiles")
    {
        Description = "Simulated kernel profiles, comma-separated: PerRangeLock, BatchedLock, BatchedTlb, PerVmaLock [default: all].",
        HelpName = "LIST",
    };

    /// <summary>--seconds S.</summary>
    public Option<double?> Seconds { get; } = new("--seconds")
    {
        HelpName = "S",
        CustomParser = OptionValues.Number("seconds, e.g. 2.5"),
    };

    /// <summary>--json FILE.</summary>
    public Option<string?> Json { get; } = new("--json")
    {
        Description = "Also write the results as JSON (schema in the README).",
        HelpName = "FILE",
    };

    /// <summary>--plot FILE.</summary>
    public Option<string?> Plot { get; } = new("--plot")
    {
        Description = "Also draw the results into FILE.png or FILE.svg.",
        HelpName = "FILE",
    };

    /// <summary>--no-progress.</summary>
    public Option<bool> NoProgress { get; } = new("--no-progress")
    {
        Description = "No progress bar (there is none either when the output is not a terminal).",
    };

    /// <summary>--markdown.</summary>
    public Option<bool> Markdown { get; } = new("--markdown")
    {
        Description = "Print the table in Markdown, without colours (for a README).",
    };

    /// <summary>Adds every shared option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Mem);
        command.Options.Add(Unit);
        command.Options.Add(Hint);
        command.Options.Add(Thp);
        command.Options.Add(Target);
        command.Options.Add(Profiles);
        command.Options.Add(Seconds);
        command.Options.Add(Json);
        command.Options.Add(Plot);
        command.Options.Add(NoProgress);
        command.Options.Add(Markdown);
    }

    /// <summary>
    /// Resolves the workload, the targets and the output files; on a usage error prints it on
    /// <paramref name="error"/> and returns null.
    /// </summary>
    public MeasureSettings? Resolve(ParseResult parse, ulong defaultMem, CliContext context)
    {
        var error = context.Error;
        if (!ResolveSize(parse.GetValue(Mem), defaultMem, "--mem", error, out var mem)
            || !ResolveSize(parse.GetValue(Unit), PageSize.PAGE_SIZE, "--unit", error, out var unit))
        {
            return null;
        }

        if (WorkloadSpec.Validate(mem, unit) is { } sizeError)
        {
            return Fail(error, sizeError);
        }

        var hintName = parse.GetValue(Hint) ?? "DONTNEED";
        if (!MemoryAdviceNames.TryParse(hintName, out var hint))
        {
            return Fail(error, $"unknown behaviour '{hintName}'");
        }

        if (parse.GetValue(Seconds) is { } seconds && !(seconds > 0 && seconds <= 86400))
        {
            return Fail(error, "--seconds must be more than 0 and at most 86400");
        }

        var json = parse.GetValue(Json);
        var plot = parse.GetValue(Plot);
        if ((json is null ? null : OutputFiles.Check("--json", json, ".json")) is { } jsonError)
        {
            return Fail(error, jsonError);
        }

        if ((plot is null ? null : OutputFiles.Check("--plot", plot, PlotFile.Extensions)) is { } plotError)
        {
            return Fail(error, plotError);
        }

        var targets = TargetSelection.Resolve(parse.GetValue(Target) ?? "both", parse.GetValue(Profiles), hint, out var targetError);
        if (targets is null)
        {
            return Fail(error, targetError);
        }

        TransparentHugepageMode? thp = null;
        if (parse.GetValue(Thp) is { } thpText)
        {
            thp = thpText.ToLowerInvariant() switch
            {
                "always" => TransparentHugepageMode.Always,
                "madvise" => TransparentHugepageMode.Madvise,
                "never" => TransparentHugepageMode.Never,
                _ => null,
            };
            if (thp is null)
            {
                return Fail(error, $"--thp must be always, madvise or never, not '{thpText}'");
            }

            // The host's mode is machine-wide (every process on the machine runs under it): it is
            // measured as it is and never changed. --target host in another mode is an error;
            // with both, the host is left out with a note, as for any workload it cannot run.
            var hostMode = HostKernel.TransparentHugepageMode();
            var why = $"the host runs thp={hostMode} (/sys/kernel/mm/transparent_hugepage/enabled), not {thpText.ToLowerInvariant()}, and madv does not change that machine-wide setting";
            if (targets.Host && !string.Equals(hostMode, thpText.ToLowerInvariant(), StringComparison.Ordinal))
            {
                if (string.Equals(parse.GetValue(Target), "host", StringComparison.OrdinalIgnoreCase))
                {
                    return Fail(error, $"--thp: {why}; measure --target sim, or use --thp {hostMode}");
                }

                targets = targets with { Host = false, Notes = [.. targets.Notes, "host left out: " + why] };
            }
        }

        return new MeasureSettings(new WorkloadSpec(mem, unit, hint, thp), targets, json, plot, !parse.GetValue(NoProgress), parse.GetValue(Markdown));
    }

    /// <summary>
    /// The last check before measuring: whether the workloads (<paramref name="perKernel"/> per
    /// simulated profile and for the host) fit in the memory this process may still take; if
    /// not, prints why on <paramref name="context"/>'s error writer.
    /// </summary>
    public static bool FitsInMemory(CliContext context, MeasureSettings settings, int perKernel)
    {
        if (CheckMemory(settings.Spec, settings.Targets, perKernel, context.ReadMemory()) is not { } message)
        {
            return true;
        }

        Fail(context.Error, message);
        return false;
    }

    /// <summary>Refuses workloads that would not fit in the memory this process may still take (MemAvailable, cgroup limits).</summary>
    /// <returns>null when they fit or nothing is known, else the message with the numbers.</returns>
    internal static string? CheckMemory(WorkloadSpec spec, TargetSelection targets, int perKernel, MemoryAvailability memory)
    {
        var needed = Workloads.MemoryNeeded(targets, spec, perKernel);
        if (memory.Available is not { } available || needed <= available)
        {
            return null;
        }

        var kernels = new List<string>();
        var simulated = targets.Profiles.Count * perKernel;
        if (simulated > 0)
        {
            kernels.Add(simulated == 1 ? "1 simulated kernel" : $"{simulated} simulated kernels");
        }

        if (targets.Host)
        {
            kernels.Add(perKernel == 1 ? "the host buffer" : $"{perKernel} host buffers");
        }

        return $"--mem {ByteSize.Format(spec.Mem)} needs about {MemoryAvailability.Gib(needed)} ({string.Join(" and ", kernels)}, " +
            $"{ByteSize.Format(spec.Mem)} each, all alive for the whole run), but {MemoryAvailability.Gib(available)} is available " +
            $"({memory.Describe()}); use a smaller --mem, fewer --profiles, or --target sim or host";
    }

    private static bool ResolveSize(string? text, ulong fallback, string option, TextWriter error, out ulong bytes)
    {
        if (text is null)
        {
            bytes = fallback;
            return true;
        }

        if (ByteSize.TryParse(text, out bytes))
        {
            return true;
        }

        error.WriteLine($"madv: {option}: '{text}' is not a size (e.g. 4K, 256M, 1G)");
        return false;
    }

    private static MeasureSettings? Fail(TextWriter error, string message)
    {
        error.WriteLine("madv: " + message);
        return null;
    }
}
