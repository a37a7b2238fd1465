using System.Runtime.CompilerServices;
using Madvise.Replay.Model;

namespace Madvise.Replay.Strace;

/// <summary>
/// Decodes a call's argument list into <see cref="TraceEvent.Args"/>. Layouts, by call:
/// <list type="table">
/// <item><term>mmap</term><description>addr, length, prot, flags, fd, offset</description></item>
/// <item><term>munmap, mincore, mlock, munlock</term><description>addr, length</description></item>
/// <item><term>mprotect</term><description>addr, length, prot</description></item>
/// <item><term>pkey_mprotect</term><description>addr, length, prot, pkey</description></item>
/// <item><term>madvise</term><description>addr, length, advice</description></item>
/// <item><term>process_madvise</term><description>pidfd, the vector's address (0 when printed as an array), vlen, advice, flags; entries in <see cref="TraceEvent.Vector"/></description></item>
/// <item><term>pidfd_open</term><description>pid, flags</description></item>
/// <item><term>mremap</term><description>old_address, old_size, new_size, flags, new_address</description></item>
/// <item><term>msync, mseal</term><description>addr, length, flags</description></item>
/// <item><term>mlock2</term><description>addr, length, flags (1 for any named flag)</description></item>
/// <item><term>mlockall</term><description>flags (1 for any named flag)</description></item>
/// <item><term>brk, shmdt, io_destroy</term><description>the address</description></item>
/// <item><term>shmat</term><description>shmid, addr, flags</description></item>
/// <item><term>io_setup</term><description>nr_events, the context address</description></item>
/// <item><term>clone, clone3</term><description>the CLONE_* flags (without the exit signal)</description></item>
/// <item><term>vfork</term><description>CLONE_VM|CLONE_VFORK; fork: 0</description></item>
/// <item><term>exit, exit_group</term><description>the status</description></item>
/// <item><term>execve</term><description>none; the path is <see cref="TraceEvent.Name"/></description></item>
/// </list>
/// Any other call decodes to no arguments.
/// </summary>
internal static class CallDecoder
{
    /// <summary>The largest vector the parser keeps entries of (strace prints at most vlen; Linux accepts UIO_MAXIOV).</summary>
    public const int MaxVectorEntries = 65536;

    /// <summary>Decodes <paramref name="args"/> (the text between the parentheses) for <paramref name="ev"/>'s call.</summary>
    /// <param name="partial">The arguments printed at entry of an unfinished call: only clone's flags are wanted.</param>
    /// <returns>False when an argument the call needs does not parse.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Decode(TraceEvent ev, ReadOnlySpan<byte> args, bool partial, Func<ReadOnlySpan<byte>, string> intern)
    {
        Span<Range> parts = stackalloc Range[8];
        var n = StraceSyntax.SplitArguments(args, parts);
        if (n < 0 && !partial)
        {
            return false;
        }

        n = Math.Min(n, parts.Length);
        var a = ev.Args;
        switch (ev.Syscall)
        {
            case SyscallKind.Mmap:
                if (partial)
                {
                    return true;
                }

                if (n != 6
                    || !Number(args, parts[0], out a[0]) || !Number(args, parts[1], out a[1])
                    || !Flags(args, parts[2], ConstantNames.Prot, out a[2]) || !Flags(args, parts[3], ConstantNames.Map, out a[3])
                    || !Number(args, parts[4], out a[4]) || !Number(args, parts[5], out a[5]))
                {
                    return false;
                }

                var path = StraceSyntax.FdPath(args[parts[4]]);
                ev.FdPath = path.IsEmpty ? null : intern(path);
                ev.ArgCount = 6;
                return true;
            case SyscallKind.Munmap or SyscallKind.Mincore or SyscallKind.Mlock or SyscallKind.Munlock:
                return partial || Numbers(ev, args, parts, n, 2, exact: ev.Syscall != SyscallKind.Mincore);
            case SyscallKind.Mprotect:
                if (partial)
                {
                    return true;
                }

                if (n != 3 || !Number(args, parts[0], out a[0]) || !Number(args, parts[1], out a[1]) || !Flags(args, parts[2], ConstantNames.Prot, out a[2]))
                {
                    return false;
                }

                ev.ArgCount = 3;
                return true;
            case SyscallKind.PkeyMprotect:
                if (partial)
                {
                    return true;
                }

                if (n != 4 || !Number(args, parts[0], out a[0]) || !Number(args, parts[1], out a[1])
                    || !Flags(args, parts[2], ConstantNames.Prot, out a[2]) || !Number(args, parts[3], out a[3]))
                {
                    return false;
                }

                ev.ArgCount = 4;
                return true;
            case SyscallKind.Madvise:
                if (partial)
                {
                    return true;
                }

                if (n != 3 || !Number(args, parts[0], out a[0]) || !Number(args, parts[1], out a[1]) || !Flags(args, parts[2], ConstantNames.Advice, out a[2]))
                {
                    return false;
                }

                ev.ArgCount = 3;
                return true;
            case SyscallKind.ProcessMadvise:
                return partial || DecodeProcessMadvise(ev, args, parts, n, intern);
            case SyscallKind.PidfdOpen:
                if (partial)
                {
                    return true;
                }

                if (n != 2 || !Number(args, parts[0], out a[0]) || !Flags(args, parts[1], ConstantNames.PidfdOpen, out a[1]))
                {
                    return false;
                }

                ev.ArgCount = 2;
                return true;
            case SyscallKind.Mremap:
                if (partial)
                {
                    return true;
                }

                if (n is < 4 or > 5 || !Number(args, parts[0], out a[0]) || !Number(args, parts[1], out a[1])
                    || !Number(args, parts[2], out a[2]) || !Flags(args, parts[3], ConstantNames.Mremap, out a[3])
                    || (n == 5 && !Number(args, parts[4], out a[4])))
                {
                    return false;
                }

                ev.ArgCount = 5;
                return true;
            case SyscallKind.Msync or SyscallKind.Mseal or SyscallKind.Mlock2:
                if (partial)
                {
                    return true;
                }

                if (n < 3 || !Number(args, parts[0], out a[0]) || !Number(args, parts[1], out a[1]))
                {
                    return false;
                }

                a[2] = AnyFlag(args[parts[2]]);
                ev.ArgCount = 3;
                return true;
            case SyscallKind.Mlockall:
                if (partial || n != 1)
                {
                    return partial;
                }

                a[0] = AnyFlag(args[parts[0]]);
                ev.ArgCount = 1;
                return true;
            case SyscallKind.Brk or SyscallKind.Shmdt or SyscallKind.IoDestroy:
                return partial || Numbers(ev, args, parts, n, 1, exact: true);
            case SyscallKind.Shmat:
                if (partial)
                {
                    return true;
                }

                if (n != 3 || !Number(args, parts[0], out a[0]) || !Number(args, parts[1], out a[1]))
                {
                    return false;
                }

                a[2] = AnyFlag(args[parts[2]]);
                ev.ArgCount = 3;
                return true;
            case SyscallKind.IoSetup:
                if (partial)
                {
                    return true;
                }

                if (n != 2 || !Number(args, parts[0], out a[0]))
                {
                    return false;
                }

                var ctx = StraceSyntax.Trim(args[parts[1]]);
                if (ctx.Length > 2 && ctx[0] == '[' && ctx[^1] == ']' && StraceSyntax.TryParseNumber(ctx[1..^1], out a[1]))
                {
                    ev.ArgCount = 2;
                }
                else
                {
                    ev.ArgCount = 1;
                }

                return true;
            case SyscallKind.Clone or SyscallKind.Clone3:
                return DecodeCloneFlags(ev, args);
            case SyscallKind.Vfork:
                a[0] = CloneFlags.CLONE_VM | CloneFlags.CLONE_VFORK;
                ev.ArgCount = 1;
                return true;
            case SyscallKind.Fork:
                ev.ArgCount = 1;
                return true;
            case SyscallKind.Exit or SyscallKind.ExitGroup:
                return partial || Numbers(ev, args, parts, n, 1, exact: true);
            case SyscallKind.Execve or SyscallKind.Execveat:
                ev.Name = ExecPath(args, ev.Syscall == SyscallKind.Execveat ? 1 : 0);
                return true;
            default:
                return true;
        }
    }

    private static bool Numbers(TraceEvent ev, ReadOnlySpan<byte> args, Span<Range> parts, int n, int count, bool exact)
    {
        if (n < count || (exact && n != count))
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!Number(args, parts[i], out ev.Args[i]))
            {
                return false;
            }
        }

        ev.ArgCount = count;
        return true;
    }

    private static bool Number(ReadOnlySpan<byte> args, Range r, out ulong value) => StraceSyntax.TryParseNumber(args[r], out value);

    private static bool Flags(ReadOnlySpan<byte> args, Range r, ConstantNames names, out ulong value) =>
        StraceSyntax.TryParseFlags(args[r], names, lenient: false, out value);

    /// <summary>A flag word whose names the project has no table for (MS_*, MCL_*, MLOCK_*, SHM_*): its number, or 1 for any name.</summary>
    private static ulong AnyFlag(ReadOnlySpan<byte> s) =>
        StraceSyntax.TryParseFlags(s, ConstantNames.None, lenient: false, out var v) ? v : 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool DecodeProcessMadvise(TraceEvent ev, ReadOnlySpan<byte> args, Span<Range> parts, int n, Func<ReadOnlySpan<byte>, string> intern)
    {
        var a = ev.Args;
        if (n != 5 || !Number(args, parts[0], out a[0]) || !Number(args, parts[2], out a[2])
            || !Flags(args, parts[3], ConstantNames.Advice, out a[3]) || !Number(args, parts[4], out a[4]))
        {
            return false;
        }

        var path = StraceSyntax.FdPath(args[parts[0]]);
        ev.FdPath = path.IsEmpty ? null : intern(path);
        ev.ArgCount = 5;
        var vec = StraceSyntax.Trim(args[parts[1]]);
        if (vec.Length == 0)
        {
            return false;
        }

        if (vec[0] != '[')
        {
            // An unreadable array prints as its address, a null one as NULL.
            ev.VectorComplete = false;
            return Number(args, parts[1], out a[1]);
        }

        a[1] = 0;
        var complete = true;
        var rest = vec[1..];
        while (true)
        {
            rest = StraceSyntax.Trim(rest);
            if (rest.IsEmpty)
            {
                return false;
            }

            if (rest[0] == ']')
            {
                break;
            }

            if (rest[0] == ',')
            {
                rest = rest[1..];
                continue;
            }

            if (rest.StartsWith("..."u8))
            {
                complete = false;
                rest = rest[3..];
                continue;
            }

            if (rest[0] != '{')
            {
                return false;
            }

            var close = rest.IndexOf((byte)'}');
            if (close < 0 || !TryParseIoVec(rest[1..close], out var iov))
            {
                return false;
            }

            if (ev.Vector.Count < MaxVectorEntries)
            {
                ev.Vector.Add(iov);
            }
            else
            {
                complete = false;
            }

            rest = rest[(close + 1)..];
        }

        ev.VectorComplete = complete && (ulong)ev.Vector.Count == (uint)a[2];
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryParseIoVec(ReadOnlySpan<byte> s, out IoVec iov)
    {
        iov = default;
        var comma = s.IndexOf((byte)',');
        if (comma < 0)
        {
            return false;
        }

        var b = StraceSyntax.Trim(s[..comma]);
        var l = StraceSyntax.Trim(s[(comma + 1)..]);
        if (!b.StartsWith("iov_base="u8) || !l.StartsWith("iov_len="u8)
            || !StraceSyntax.TryParseNumber(b[9..], out var addr) || !StraceSyntax.TryParseNumber(l[8..], out var len))
        {
            return false;
        }

        iov = new IoVec(addr, len);
        return true;
    }

    /// <summary>clone's <c>flags=…</c> argument, or clone3's <c>{flags=…, …}</c>; the exit signal (<c>|SIGCHLD</c>, <c>|17</c>) is dropped.</summary>
    private static bool DecodeCloneFlags(TraceEvent ev, ReadOnlySpan<byte> args)
    {
        var at = args.IndexOf("flags="u8);
        if (at < 0)
        {
            return false;
        }

        // -X verbose: "flags=0x1200000 /* CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID */|17 /* SIGCHLD */": drop the comments.
        var text = args[(at + 6)..];
        Span<byte> buffer = stackalloc byte[Math.Min(text.Length, 512)];
        var length = 0;
        for (var i = 0; i < text.Length && length < buffer.Length; i++)
        {
            if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var close = text[(i + 2)..].IndexOf("*/"u8);
                if (close < 0)
                {
                    break;
                }

                i += close + 3;
                continue;
            }

            if (text[i] is (byte)',' or (byte)'}' or (byte)')')
            {
                break;
            }

            buffer[length++] = text[i];
        }

        ReadOnlySpan<byte> s = buffer[..length];

        // -X raw/verbose print the flags as one number whose low byte is the exit signal: "0x1200000|17".
        ulong value = 0;
        foreach (var range in s.Split((byte)'|'))
        {
            var token = StraceSyntax.Trim(s[range]);
            if (token.IsEmpty)
            {
                continue;
            }

            if (StraceSyntax.TryParseNumber(token, out var bits))
            {
                value |= bits & ~0xffUL;
            }
            else if (ConstantNames.Clone.TryGet(token, out bits))
            {
                value |= bits;
            }
            else if (!StraceSyntax.IsIdentifier(token))
            {
                return false;
            }
        }

        ev.Args[0] = value;
        ev.ArgCount = 1;
        return true;
    }

    /// <summary>The path string of execve (argument 0) or execveat (argument 1), unescaped as far as strace escapes (\", \\, \n, octal), or "?".</summary>
    private static string ExecPath(ReadOnlySpan<byte> args, int index)
    {
        Span<Range> parts = stackalloc Range[3];
        var n = StraceSyntax.SplitArguments(args, parts);
        if (n < 0 || n <= index)
        {
            // A partial list: the path is still the first quoted string.
            var q = args.IndexOf((byte)'"');
            if (q < 0)
            {
                return "?";
            }

            return Unquote(args[q..]);
        }

        return Unquote(StraceSyntax.Trim(args[parts[index]]));
    }

    private static string Unquote(ReadOnlySpan<byte> s)
    {
        if (s.Length < 2 || s[0] != '"')
        {
            return System.Text.Encoding.UTF8.GetString(s);
        }

        var bytes = new List<byte>(s.Length);
        for (var i = 1; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '"')
            {
                break;
            }

            if (c == '\\' && i + 1 < s.Length)
            {
                var e = s[++i];
                switch (e)
                {
                    case (byte)'n': bytes.Add((byte)'\n'); break;
                    case (byte)'t': bytes.Add((byte)'\t'); break;
                    case >= (byte)'0' and <= (byte)'7':
                        var v = 0;
                        var k = 0;
                        while (k < 3 && i < s.Length && s[i] is >= (byte)'0' and <= (byte)'7')
                        {
                            v = (v * 8) + (s[i] - '0');
                            i++;
                            k++;
                        }

                        i--;
                        bytes.Add((byte)v);
                        break;
                    default: bytes.Add(e); break;
                }
            }
            else
            {
                bytes.Add(c);
            }
        }

        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }
}
