using System.Globalization;

namespace Madvise.Scenarios.Tests.Shared;

/// <summary>A task of <see cref="FakeTarget"/>: records each call and answers from the target's script.</summary>
internal sealed class FakeTask(FakeTarget target, string name) : ITargetTask
{
    public string Name { get; } = name;

    public bool HasExited { get; private set; }

    /// <summary>How the task died, once it did (<see cref="FakeTarget.Deaths"/>).</summary>
    public string? Death { get; private set; }

    public string? CheckDeath() => Death;

    /// <summary>Makes the task dead: exited, with <paramref name="how"/> as its death.</summary>
    internal void Die(string how)
    {
        Death = how;
        HasExited = true;
    }

    public long Exit()
    {
        var r = target.Call($"{Name} exit");
        HasExited = r == 0;
        return r;
    }

    public long SetUid(uint uid) => target.Call($"{Name} setuid {uid.ToString(CultureInfo.InvariantCulture)}");

    public long DropCapability(int capability) => target.Call($"{Name} dropcap {capability.ToString(CultureInfo.InvariantCulture)}");

    public long Mmap(ulong addr, ulong length, int prot, int flags, ITargetFile? file, ulong offset, out ulong mapped)
    {
        var r = target.Call($"{Name} mmap {H(addr)} {H(length)} {H((ulong)prot)} {H((ulong)flags)} {file?.Name ?? "-"} {H(offset)}");
        mapped = r < 0 ? 0 : addr != 0 ? addr : target.Allocate(length);
        return r;
    }

    public long Munmap(ulong addr, ulong length) => target.Call($"{Name} munmap {H(addr)} {H(length)}");

    public long Mprotect(ulong addr, ulong length, int prot) => target.Call($"{Name} mprotect {H(addr)} {H(length)} {H((ulong)prot)}");

    public long Mlock(ulong addr, ulong length) => target.Call($"{Name} mlock {H(addr)} {H(length)}");

    public long Munlock(ulong addr, ulong length) => target.Call($"{Name} munlock {H(addr)} {H(length)}");

    public long Madvise(ulong addr, ulong length, MemoryAdvice advice) =>
        target.Call($"{Name} madvise {H(addr)} {H(length)} {((int)advice).ToString(CultureInfo.InvariantCulture)}");

    public long ProcessMadvise(PidfdArgument<ITargetPidfd> pidfd, VectorArgument<ulong> vector, MemoryAdvice advice, ulong flags)
    {
        var p = pidfd switch
        {
            PidfdArgument<ITargetPidfd>.Self => "self",
            PidfdArgument<ITargetPidfd>.Raw raw => raw.Fd.ToString(CultureInfo.InvariantCulture),
            PidfdArgument<ITargetPidfd>.Named named => "pidfd:" + named.Pidfd.Name + "@" + named.Pidfd.Owner.Name,
            _ => "?",
        };
        var v = vector switch
        {
            VectorArgument<ulong>.List list => "[" + string.Join("; ", list.Entries.Select(e => H(e.Base) + " " + H(e.Length))) + "]",
            VectorArgument<ulong>.Seq seq => $"seq({H(seq.Start)}, {H(seq.Length)}, {H(seq.Stride)}, {seq.Count.ToString(CultureInfo.InvariantCulture)})",
            VectorArgument<ulong>.BadPointer bad => $"badptr({bad.Count.ToString(CultureInfo.InvariantCulture)})",
            _ => "?",
        };
        return target.Call($"{Name} pmadvise {p} {v} {((int)advice).ToString(CultureInfo.InvariantCulture)} {H(flags)}");
    }

    public long CreateFile(string name, ulong length, byte fill, bool memfd, out ITargetFile? file)
    {
        var r = target.Call($"{Name} file {name} {H(length)} {H(fill)}{(memfd ? " memfd" : "")}");
        file = r < 0 ? null : new FakeFile(name, this);
        return r;
    }

    public long OpenPidfd(ITargetTask task, out ITargetPidfd? pidfd)
    {
        var r = target.Call($"{Name} pidfd {task.Name}");
        pidfd = r < 0 ? null : new FakePidfd(task.Name, this);
        return r;
    }

    public long Write(ulong addr, ulong length, byte value) => target.Call($"{Name} write {H(addr)} {H(length)} {H(value)}");

    public long Read(ulong addr, ulong length, ByteRuns into)
    {
        var r = target.Call($"{Name} read {H(addr)} {H(length)}");
        if (r >= 0)
        {
            into.AppendRun(target.ReadValue, length);
        }

        return r;
    }

    public long Mincore(ulong addr, ulong length, Span<byte> vec)
    {
        var r = target.Call($"{Name} mincore {H(addr)} {H(length)} {vec.Length.ToString(CultureInfo.InvariantCulture)}");
        for (var i = 0; i < vec.Length; i++)
        {
            // Resident pattern 1,0,1,0,... with junk in the upper bits, which mincore's caller must ignore.
            vec[i] = (byte)((i % 2 == 0 ? 1 : 0) | 0xF0);
        }

        return r;
    }

    public long Vmas(ulong addr, ulong length, List<MappingInfo> into)
    {
        var r = target.Call($"{Name} vmas {H(addr)} {H(length)}");
        if (r >= 0)
        {
            into.AddRange(target.Mappings);
        }

        return r;
    }

    public long Smaps(ulong addr, ulong length, List<SmapsInfo> into)
    {
        var r = target.Call($"{Name} smaps {H(addr)} {H(length)}");
        if (r >= 0)
        {
            into.AddRange(target.Smaps);
        }

        return r;
    }

    private static string H(ulong value) => FakeTarget.Hex(value);

    private sealed record FakeFile(string Name, ITargetTask Owner) : ITargetFile;

    private sealed record FakePidfd(string Name, ITargetTask Owner) : ITargetPidfd;
}
