using System.Globalization;
using System.Text;
using Madvise.Abi;
using Madvise.Scenarios;

namespace Madvise.Host.Tests.Shared;

/// <summary>
/// A scenario written twice: as <c>.scn</c> text (for the Python reference runner) and as
/// direct <see cref="IScenarioTarget"/> calls (for our host target), with the result every
/// step must print on both. Each step's action formats its result as the runner would.
/// </summary>
public sealed class Script
{
    /// <summary>The steps in order.</summary>
    private readonly List<(string Text, string Expected, Func<ScriptContext, string> Run)> _steps = [];

    /// <summary>Adds a step: its normalised text, the result Linux gives, and the calls that perform it.</summary>
    public Script Step(string text, string expected, Func<ScriptContext, string> run)
    {
        _steps.Add((text, expected, run));
        return this;
    }

    /// <summary>The scenario as a .scn file with every expectation.</summary>
    public string ScnText
    {
        get
        {
            var sb = new StringBuilder();
            foreach (var (text, expected, _) in _steps)
            {
                // An empty result (read or mincore of length 0) cannot be written as an expectation.
                sb.Append(text).Append(expected.Length > 0 ? " => " + expected : string.Empty).Append('\n');
            }

            return sb.ToString();
        }
    }

    /// <summary>Runs every step on <paramref name="target"/> and fails listing each step whose result differs.</summary>
    public void RunOn(IScenarioTarget target)
    {
        var context = new ScriptContext(target);
        var mismatches = new StringBuilder();
        foreach (var (text, expected, run) in _steps)
        {
            var got = run(context);
            if (got != expected)
            {
                mismatches.Append(CultureInfo.InvariantCulture, $"{text}: expected '{expected}', got '{got}'\n");
            }
        }

        Assert.True(mismatches.Length == 0, "Steps that differ from Linux's answer:\n" + mismatches);
    }
}

/// <summary>Name bindings of a running <see cref="Script"/> and result formatting as the scenario runner does it.</summary>
public sealed class ScriptContext(IScenarioTarget target)
{
    /// <summary>Bytes in a page.</summary>
    public const ulong P = PageSize.PAGE_SIZE;

    /// <summary>The target.</summary>
    public IScenarioTarget Target { get; } = target;

    /// <summary>Task self.</summary>
    public ITargetTask Self => Target.Self;

    /// <summary>Mapping names.</summary>
    public Dictionary<string, ulong> Maps { get; } = [];

    /// <summary>Task names.</summary>
    public Dictionary<string, ITargetTask> Tasks { get; } = [];

    /// <summary>File names.</summary>
    public Dictionary<string, ITargetFile> Files { get; } = [];

    /// <summary>Pidfd names.</summary>
    public Dictionary<string, ITargetPidfd> Pidfds { get; } = [];

    /// <summary>The address NAME+offset.</summary>
    public ulong A(string name, ulong offset = 0) => Maps[name] + offset;

    /// <summary>A task by name; <c>self</c> is task self.</summary>
    public ITargetTask T(string name) => name == "self" ? Self : Tasks[name];

    /// <summary><c>mmap</c>: binds NAME on success.</summary>
    public string Mmap(string task, string name, ulong length, int prot, int flags, string? file = null, ulong offset = 0, ulong at = 0)
    {
        var r = T(task).Mmap(at, length, prot, flags, file is null ? null : Files[file], offset, out var mapped);
        if (r == 0)
        {
            Maps[name] = mapped;
            return "ok";
        }

        return Format(r);
    }

    /// <summary><c>task NAME</c>.</summary>
    public string Task(string name)
    {
        var t = Target.CreateTask(name, out var failure);
        if (t is null)
        {
            return failure!;
        }

        Tasks[name] = t;
        return "ok";
    }

    /// <summary><c>file NAME ...</c> in <paramref name="task"/>.</summary>
    public string File(string task, string name, ulong length, byte fill, bool memfd = false)
    {
        var r = T(task).CreateFile(name, length, fill, memfd, out var file);
        if (r == 0)
        {
            Files[name] = file!;
            return "ok";
        }

        return Format(r);
    }

    /// <summary><c>pidfd NAME TASK</c> run by <paramref name="task"/>.</summary>
    public string Pidfd(string task, string name, string of)
    {
        var r = T(task).OpenPidfd(T(of), out var pidfd);
        if (r == 0)
        {
            Pidfds[name] = pidfd!;
            return "ok";
        }

        return Format(r);
    }

    /// <summary><c>read</c> in the canonical run-length form.</summary>
    public string Read(string task, ulong addr, ulong length)
    {
        var runs = new ByteRuns();
        var r = T(task).Read(addr, length, runs);
        return r == 0 ? runs.ToString() : Format(r);
    }

    /// <summary><c>mincore</c> as digits.</summary>
    public string Mincore(string task, ulong addr, ulong length)
    {
        var vec = new byte[(length + P - 1) / P];
        var r = T(task).Mincore(addr, length, vec);
        if (r != 0)
        {
            return Format(r);
        }

        var sb = new StringBuilder();
        foreach (var b in vec)
        {
            sb.Append((b & 1) != 0 ? '1' : '0');
        }

        return sb.ToString();
    }

    /// <summary><c>vmas</c> as <c>[0p-4p rw-p; ...]</c>.</summary>
    public string Vmas(string task, ulong addr, ulong length)
    {
        var list = new List<MappingInfo>();
        var r = T(task).Vmas(addr, length, list);
        return r != 0 ? Format(r) : FormatVmas(addr, list);
    }

    /// <summary>The runner's vmas form relative to <paramref name="addr"/>.</summary>
    public static string FormatVmas(ulong addr, List<MappingInfo> list)
    {
        var parts = new List<string>();
        foreach (var m in list)
        {
            var entry = $"{Offset(m.Start, addr)}-{Offset(m.End, addr)} {m.Perms}";
            if (m.Flags.Count > 0)
            {
                entry += " " + string.Join(' ', m.Flags);
            }

            parts.Add(entry);
        }

        return "[" + string.Join("; ", parts) + "]";
    }

    /// <summary><c>0</c>, <c>-ERRNO</c>, a byte count, or <c>SKIP</c> for <see cref="TargetResult.NotSupported"/>.</summary>
    public static string Format(long r) =>
        r == TargetResult.NotSupported ? "SKIP" : r < 0 ? Errno.Format(r) : r.ToString(CultureInfo.InvariantCulture);

    private static string Offset(ulong x, ulong addr)
    {
        var d = (long)(x - addr);
        return d % (long)P == 0 ? (d / (long)P).ToString(CultureInfo.InvariantCulture) + "p" : d.ToString(CultureInfo.InvariantCulture);
    }
}
