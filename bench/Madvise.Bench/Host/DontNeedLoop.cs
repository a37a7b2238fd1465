using System.Diagnostics;
using System.Globalization;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Bench.Host;

/// <summary>
/// The .NET twin of <c>bench/native/dontneed.c</c>: MADV_DONTNEED over 256 MiB in 4 KiB units
/// through the public host bindings and the advice batcher, with the same arguments, passes
/// and output lines as the C program, so <c>bench/native/compare.py</c> can set them side by side.
/// </summary>
/// <remarks>
/// <c>Madvise.Bench host-loop RUNS MODE...</c>. Modes of the C program (<c>madvise</c>,
/// <c>whole</c>, <c>pm:N</c>, <c>pm-alt:N</c>, each also as <c>empty-</c>MODE on a buffer with
/// no pages, which leaves only the calls' fixed cost); the same with a <c>c:</c> prefix
/// (<c>c:pm:8</c>, <c>empty-c:madvise</c>) run by the C loops of <c>dontneed.c</c> loaded into
/// this process (<see cref="NativeDontNeed"/>); <c>batcher-adj</c> (65536 adjacent page adds,
/// then a flush: the batcher merges them into one range) and <c>batcher-alt</c> (every other
/// page, 32768 separate ranges, flushed in vectors of 1024). Each pass starts from the same
/// state (<see cref="DontNeedPass.Populate"/>, untimed); one untimed warm-up pass per mode
/// (which also lets the JIT reach its optimised code), then RUNS passes with the modes in turn.
/// </remarks>
public static class DontNeedLoop
{
    /// <summary>Bytes advised per pass: 256 MiB, as in the series' evaluation.</summary>
    public const int Size = 256 << 20;

    /// <summary>Bytes in a page.</summary>
    private const int P = (int)PageSize.PAGE_SIZE;

    /// <summary>Pages in the buffer.</summary>
    private const int Pages = DontNeedPass.Pages;

    /// <summary>Runs the modes named in <paramref name="args"/> (after RUNS) and prints "MODE NANOSECONDS" lines.</summary>
    /// <returns>The process exit code: 0, or 2 for a usage error.</returns>
    public static int Run(string[] args)
    {
        if (args.Length < 2 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var runs) || runs < 1)
        {
            Console.Error.WriteLine("usage: Madvise.Bench host-loop RUNS MODE...  ([empty-]madvise | whole | pm:VLEN | pm-alt:VLEN | batcher-adj | batcher-alt ...)");
            return 2;
        }

        using var buffer = new DontNeedPass();
        using var batcher = new AdviceBatcher(buffer.Region, MemoryAdvice.MADV_DONTNEED);
        var passes = new Func<long>[args.Length - 1];
        for (var m = 0; m < passes.Length; m++)
        {
            var pass = Mode(args[m + 1], buffer, batcher);
            if (pass is null)
            {
                Console.Error.WriteLine($"host-loop: unknown mode {args[m + 1]}");
                return 2;
            }

            passes[m] = pass;
        }

        foreach (var pass in passes)
        {
            pass();
        }

        var output = Console.Out;
        for (var r = 0; r < runs; r++)
        {
            for (var m = 0; m < passes.Length; m++)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{args[m + 1]} {passes[m]()}"));
            }
        }

        output.Flush();
        return 0;
    }

    /// <summary>One timed pass of <paramref name="mode"/>, populating the buffer first; null for an unknown mode.</summary>
    private static Func<long>? Mode(string mode, DontNeedPass buffer, AdviceBatcher batcher)
    {
        var region = buffer.Region;
        var empty = mode.StartsWith("empty-", StringComparison.Ordinal);
        if (empty)
        {
            mode = mode[6..];
        }

        if (mode.StartsWith("c:", StringComparison.Ordinal))
        {
            return InC(mode[2..], empty, buffer);
        }

        Action? body = mode switch
        {
            "madvise" => () => MadviseEachPage(region),
            "whole" => () => Check(HostMemory.TryMadvise(region.Address, region.Length, MemoryAdvice.MADV_DONTNEED, out var e), e),
            "batcher-adj" => () => BatchAdjacent(region, batcher),
            "batcher-alt" => () => BatchAlternate(region, batcher),
            _ when mode.StartsWith("pm:", StringComparison.Ordinal) && Vlen(mode[3..]) is int n => () => buffer.Vectors(buffer.Every, n),
            _ when mode.StartsWith("pm-alt:", StringComparison.Ordinal) && Vlen(mode[7..]) is int n => () => buffer.Vectors(buffer.Alternate, n),
            _ => null,
        };
        return body is null ? null : Timed(body, empty, buffer);
    }

    /// <summary>A pass of the C loops of <c>dontneed.c</c>, called in this process; null for an unknown mode.</summary>
    private static Func<long>? InC(string mode, bool empty, DontNeedPass buffer)
    {
        var native = NativeDontNeed.Load(out var reason) ?? throw new InvalidOperationException(reason);
        var region = buffer.Region;
        var fd = buffer.Pidfd.Fd;
        Func<int>? body = mode switch
        {
            "madvise" => () => native.Each(region.Address, region.Length),
            "whole" => () => native.Whole(region.Address, region.Length),
            _ when mode.StartsWith("pm:", StringComparison.Ordinal) && Vlen(mode[3..]) is int n => () => native.Vectors(fd, buffer.Every, n),
            _ when mode.StartsWith("pm-alt:", StringComparison.Ordinal) && Vlen(mode[7..]) is int n => () => native.Vectors(fd, buffer.Alternate, n),
            _ => null,
        };
        return body is null ? null : Timed(
            () =>
            {
                var errno = body();
                Check(errno == 0, errno);
            },
            empty,
            buffer);
    }

    /// <summary>Prepares the buffer (untimed), then times <paramref name="body"/> in nanoseconds.</summary>
    private static Func<long> Timed(Action body, bool empty, DontNeedPass buffer) =>
        () =>
        {
            if (empty)
            {
                buffer.Drop();
            }
            else
            {
                buffer.Populate();
            }

            var start = Stopwatch.GetTimestamp();
            body();
            return (long)((Stopwatch.GetTimestamp() - start) * (1_000_000_000.0 / Stopwatch.Frequency));
        };

    private static void MadviseEachPage(MappedRegion region)
    {
        var address = region.Address;
        for (var i = 0; i < Pages; i++)
        {
            Check(HostMemory.TryMadvise(address + (i * P), P, MemoryAdvice.MADV_DONTNEED, out var errno), errno);
        }
    }

    private static void BatchAdjacent(MappedRegion region, AdviceBatcher batcher)
    {
        var address = region.Address;
        for (var i = 0; i < Pages; i++)
        {
            batcher.Add(address + (i * P), P);
        }

        batcher.Flush();
    }

    private static void BatchAlternate(MappedRegion region, AdviceBatcher batcher)
    {
        var address = region.Address;
        for (var i = 0; i < Pages; i += 2)
        {
            batcher.Add(address + (i * P), P);
        }

        batcher.Flush();
    }

    private static int? Vlen(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= IoVec.UIO_MAXIOV ? n : null;

    private static void Check(bool ok, int errno)
    {
        if (!ok)
        {
            throw new MadviseException("DONTNEED pass", errno);
        }
    }
}
