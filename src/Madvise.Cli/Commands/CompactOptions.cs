using System.CommandLine;
using System.Globalization;
using Madvise.Cli.Compact;
using Madvise.Compaction;
using Madvise.Kernel;

namespace Madvise.Cli.Commands;

/// <summary>The options of <c>madv compact</c> and <c>madv compact-bench</c>: the engine's, and the generated target's.</summary>
internal sealed class CompactOptions
{
    /// <summary>Default bytes a generated target touches.</summary>
    public const ulong DefaultMem = 64UL << 20;

    /// <summary>Default mappings of a generated target.</summary>
    public const int DefaultVmas = 300;

    /// <summary>--mode.</summary>
    public Option<string?> Mode { get; } = new("--mode")
    {
        Description = "What to compact, as Android's CachedAppOptimizer: anon (PAGEOUT private anonymous), file (COLD private file), all (PAGEOUT private anonymous, COLD the rest) [default: all].",
        HelpName = "anon|file|all",
    };

    /// <summary>--budget.</summary>
    public Option<string?> Budget { get; } = new("--budget")
    {
        Description = "Longest a call should hold the target's mmap_lock, e.g. 1ms, 500us [default: 1ms].",
        HelpName = "TIME",
    };

    /// <summary>--target-fraction.</summary>
    public Option<double?> TargetFraction { get; } = new("--target-fraction")
    {
        Description = "Share of the budget each call is sized for; the rest absorbs the cost model's errors [default: 0.5].",
        HelpName = "X",
        CustomParser = OptionValues.Number("a share of the budget, e.g. 0.5"),
    };

    /// <summary>--file-pageout.</summary>
    public Option<bool> FilePageout { get; } = new("--file-pageout")
    {
        Description = "PAGEOUT instead of COLD for private file mappings (not Android's choice): drops clean file pages now, which frees memory without swap.",
    };

    /// <summary>--mem.</summary>
    public Option<string?> Mem { get; } = new("--mem")
    {
        Description = $"Generated target: bytes its mappings touch [default: {ByteSize.Format(DefaultMem)}].",
        HelpName = "SIZE",
    };

    /// <summary>--vmas.</summary>
    public Option<int?> Vmas { get; } = new("--vmas")
    {
        Description = $"Generated target: number of mappings (16 to 60000) [default: {DefaultVmas}].",
        HelpName = "N",
        CustomParser = OptionValues.WholeNumber("a number of mappings, e.g. 400"),
    };

    /// <summary>--seed.</summary>
    public Option<int?> Seed { get; } = new("--seed")
    {
        Description = "Generated target: seed of the layout [default: 1].",
        HelpName = "N",
        CustomParser = OptionValues.WholeNumber("a seed, e.g. 1"),
    };

    /// <summary>--swap.</summary>
    public Option<string?> Swap { get; } = new("--swap")
    {
        Description = "Simulated kernel: swap size, 0 for none [default: twice --mem].",
        HelpName = "SIZE",
    };

    /// <summary>Adds the engine options.</summary>
    public void AddEngineOptions(Command command)
    {
        command.Options.Add(Mode);
        command.Options.Add(Budget);
        command.Options.Add(TargetFraction);
        command.Options.Add(FilePageout);
    }

    /// <summary>Adds the generated target's options.</summary>
    public void AddLayoutOptions(Command command)
    {
        command.Options.Add(Mem);
        command.Options.Add(Vmas);
        command.Options.Add(Seed);
        command.Options.Add(Swap);
    }

    /// <summary>The engine options given on the command line (strategy Budget); null after printing a usage error.</summary>
    public CompactionOptions? ResolveEngine(ParseResult parse, TextWriter error)
    {
        var mode = (parse.GetValue(Mode) ?? "all").ToLowerInvariant() switch
        {
            "anon" => CompactionMode.Anon,
            "file" => CompactionMode.File,
            "all" => CompactionMode.All,
            _ => (CompactionMode?)null,
        };
        if (mode is null)
        {
            return Fail(error, "--mode must be anon, file or all");
        }

        var budget = TimeSpan.FromMilliseconds(1);
        if (parse.GetValue(Budget) is { } text && (!DurationText.TryParse(text, out budget) || budget > TimeSpan.FromSeconds(60)))
        {
            return Fail(error, $"--budget: '{text}' is not a duration from 100ns to 60s (e.g. 1ms, 500us, 0.25ms)");
        }

        var fraction = parse.GetValue(TargetFraction) ?? 0.5;
        if (!(fraction > 0 && fraction <= 1))
        {
            return Fail(error, "--target-fraction must be more than 0 and at most 1");
        }

        return new CompactionOptions { Mode = mode.Value, Budget = budget, TargetFraction = fraction, FilePageout = parse.GetValue(FilePageout) };
    }

    /// <summary>The generated target's settings; null after printing a usage error.</summary>
    public LayoutSettings? ResolveLayout(ParseResult parse, TextWriter error, ulong defaultMem = DefaultMem, int defaultVmas = DefaultVmas)
    {
        var mem = defaultMem;
        if (parse.GetValue(Mem) is { } m && (!ByteSize.TryParse(m, out mem) || mem < (16UL << 20) || mem > (16UL << 30)))
        {
            Fail(error, $"--mem: '{m}' is not a size from 16M to 16G (the simulated kernel holds the bytes)");
            return null;
        }

        var vmas = parse.GetValue(Vmas) ?? defaultVmas;
        if (vmas is < 16 or > 60_000)
        {
            Fail(error, "--vmas must be 16 to 60000");
            return null;
        }

        var swap = 2 * mem;
        if (parse.GetValue(Swap) is { } s && s.Trim() != "0" && !ByteSize.TryParse(s, out swap))
        {
            Fail(error, $"--swap: '{s}' is not a size (0 for none)");
            return null;
        }

        if (parse.GetValue(Swap)?.Trim() == "0")
        {
            swap = 0;
        }

        return new LayoutSettings(mem, vmas, parse.GetValue(Seed) ?? 1, swap);
    }

    /// <summary>Parses a profile name (case-insensitive); null after printing a usage error.</summary>
    public static KernelProfile? ResolveProfile(string? name, TextWriter error)
    {
        if (name is null)
        {
            return KernelProfile.PerVmaLock;
        }

        if (Enum.TryParse<KernelProfile>(name, ignoreCase: true, out var profile) && Enum.IsDefined(profile) && !int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            return profile;
        }

        error.WriteLine($"madv: unknown profile '{name}' (PerRangeLock, BatchedLock, BatchedTlb, PerVmaLock)");
        return null;
    }

    private static CompactionOptions? Fail(TextWriter error, string message)
    {
        error.WriteLine("madv: " + message);
        return null;
    }
}
