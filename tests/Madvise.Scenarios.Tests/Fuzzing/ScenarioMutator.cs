using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Madvise.Scenarios.Tests.Fuzzing;

/// <summary>
/// Makes mutants of corpus scenario files: token deletion, duplication and swaps, numbers
/// replaced by extreme values, keywords and behaviours exchanged, lines deleted, duplicated,
/// swapped, truncated or taken from another file, very long tokens, well-formed steps on the
/// file's names with random arguments (<see cref="StepMaker"/>); then, for some, bytes:
/// sequences that are not text (control bytes, invalid UTF-8, NUL, terminal escapes) inserted,
/// random bytes overwritten, inserted or deleted, the file cut mid-character, or the whole file
/// replaced by random bytes.
/// </summary>
/// <remarks>
/// A mutant is a function of (seed, index) alone, so one failing mutant can be replayed
/// without the others (<see cref="Mutate"/>); <see cref="Mutant.Description"/> lists what was done.
/// </remarks>
internal sealed partial class ScenarioMutator
{
    /// <summary>Numbers worth trying wherever a number stands.</summary>
    private static readonly string[] ExtremeNumbers =
    [
        "0", "1", "-1", "4095", "4097", "0x1001", "1p", "2p", "-1p", "65536p", "1048576p", "1024G", "8192G", "1T",
        "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
        "0xffffffffffffffff", "0xfffffffffffff000", "0x8000000000000000", "0x7f0000000000", "0x7ffffffff000",
        "0xffff800000000000", "281474976710656", "99999999999999999999999", "010", "0x", "-0", "1025", "4294967297",
        "0x100000000", "256", "255", "63", "64", "-9223372036854775808", "+1", "1.5", "1e3", "0b1", "0p", "0x0p",
    ];

    /// <summary>Step keywords, exchanged for one another.</summary>
    private static readonly string[] Keywords =
    [
        "mmap", "munmap", "mprotect", "madvise", "pmadvise", "mlock", "munlock", "read", "write", "mincore", "vmas",
        "file", "pidfd", "task", "fork", "exit", "setuid", "dropcap", "config", "in",
    ];

    /// <summary>Words that stand for behaviours, flags, protections and options.</summary>
    private static readonly string[] Words =
    [
        "DONTNEED", "FREE", "COLD", "PAGEOUT", "WILLNEED", "REMOVE", "DONTFORK", "DOFORK", "MERGEABLE", "UNMERGEABLE",
        "HUGEPAGE", "NOHUGEPAGE", "DONTDUMP", "DODUMP", "WIPEONFORK", "KEEPONFORK", "HWPOISON", "SOFT_OFFLINE",
        "POPULATE_READ", "POPULATE_WRITE", "GUARD_INSTALL", "GUARD_REMOVE", "COLLAPSE", "DONTNEED_LOCKED", "NORMAL",
        "RANDOM", "SEQUENTIAL", "none", "r", "rw", "rwx", "x", "private,anon", "shared,anon", "private,anon,noreserve",
        "private,anon,fixed", "private,anon,populate", "private,anon,locked", "shared", "fixed_noreplace", "self",
        "PIDFD_SELF", "PIDFD_SELF_PROCESS", "memfd", "swap=0", "swap=1024G", "swap=0xffffffffffffffff", "thp=always",
        "ksm=off", "memory_failure=on", "at=0", "off=1p", "fd=F", "[]", "[A 1p]", "[A 1p; A+1p 1p]", "seq(A, 1p, 1p, 4)",
        "badptr(1)", "badptr(0)", "seq(0, 0, 0, 1025)", "CAP_SYS_ADMIN", "CAP_SYS_NICE", "=>", ":", "A", "B", "C", "X", "F", "P",
    ];

    /// <summary>Byte sequences that are not scenario text.</summary>
    private static readonly byte[][] Bytes =
    [
        [0x00], [0x01], [0x07], [0x08], [0x0b], [0x0c], [0x1b], [0x1b, (byte)']', (byte)'0', (byte)';', (byte)'x', 0x07], [0x7f],
        [0xc2, 0x85], [0xc2, 0x9b], [0xe2, 0x80, 0xae], [0xe2, 0x80, 0xa8], [0xef, 0xbb, 0xbf], [0xef, 0xbf, 0xbe], [0xef, 0xbf, 0xbf],
        [0xe2, 0x80, 0x8b], [0xf0, 0x9f, 0x98, 0x80], [0xc2, 0xa0], [(byte)'"'], [(byte)'<'], [(byte)'&'], [(byte)'\\'],
        [0xff], [0xfe], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82],
        [(byte)'\r'], [(byte)'\n'], [(byte)'\t'], [(byte)'#'], [(byte)'['], [(byte)']'], [(byte)'('], [(byte)')'], [(byte)';'],
        [(byte)'='], [(byte)'>'], [(byte)':'], [(byte)','], [(byte)'+'], [(byte)'-'],
    ];

    /// <summary>The corpus: file name and text.</summary>
    private readonly IReadOnlyList<(string Name, string Text)> _corpus;

    /// <summary>Creates a mutator over <paramref name="corpus"/>.</summary>
    public ScenarioMutator(IReadOnlyList<(string Name, string Text)> corpus)
    {
        if (corpus.Count == 0)
        {
            throw new ArgumentException("empty corpus", nameof(corpus));
        }

        _corpus = corpus;
    }

    /// <summary>Mutant <paramref name="index"/> of the run with <paramref name="seed"/>: the same bytes in every process and on every machine with the same corpus.</summary>
    public Mutant Mutate(int seed, int index)
    {
        var random = new Random(MixSeed(seed, index));
        var (name, text) = _corpus[random.Next(_corpus.Count)];
        var lines = new List<string>(text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'));
        var done = new List<string>();
        // Mostly one or two mutations, so that about half the mutants still parse and run.
        var count = random.Next(8) switch
        {
            < 4 => 1,
            < 6 => 2,
            6 => 3,
            _ => 5,
        };
        for (var i = 0; i < count; i++)
        {
            done.Add(MutateText(random, lines));
        }

        var bytes = new List<byte>(Encoding.UTF8.GetBytes(string.Join('\n', lines)));
        if (random.Next(64) == 0)
        {
            // Binary garbage: the file replaced by random bytes (a NUL makes it a binary file; without one, invalid UTF-8 and control bytes).
            bytes.Clear();
            bytes.AddRange(RandomBytes(random, random.Next(4097)));
            done.Clear();
            done.Add(string.Create(CultureInfo.InvariantCulture, $"replaced by {bytes.Count} random bytes"));
        }
        else if (random.Next(4) == 0)
        {
            var byteCount = 1 + random.Next(3);
            for (var i = 0; i < byteCount; i++)
            {
                done.Add(MutateBytes(random, bytes));
            }
        }

        return new Mutant(seed, index, name, [.. bytes], string.Join("; ", done));
    }

    /// <summary>
    /// The generator seed of mutant <paramref name="index"/> of run <paramref name="seed"/>
    /// (SplitMix64's finaliser: neighbouring indexes give unrelated streams; unlike
    /// HashCode.Combine, the same in every process, so a printed seed replays).
    /// </summary>
    internal static int MixSeed(int seed, int index)
    {
        var z = (((ulong)(uint)seed << 32) | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }

    /// <summary>One byte-level mutation of <paramref name="bytes"/> (it may cut a UTF-8 sequence); returns what it did.</summary>
    private static string MutateBytes(Random random, List<byte> bytes)
    {
        var at = random.Next(bytes.Count + 1);
        switch (random.Next(5))
        {
            case 0:
                var insert = Bytes[random.Next(Bytes.Length)];
                bytes.InsertRange(at, insert);
                return string.Create(CultureInfo.InvariantCulture, $"bytes {Convert.ToHexString(insert)} inserted at {at}");
            case 1 when at < bytes.Count:
                var old = bytes[at];
                bytes[at] = (byte)random.Next(256);
                return string.Create(CultureInfo.InvariantCulture, $"byte {at} {old:X2} -> {bytes[at]:X2}");
            case 2:
                var garbage = RandomBytes(random, 1 + random.Next(256));
                bytes.InsertRange(at, garbage);
                return string.Create(CultureInfo.InvariantCulture, $"{garbage.Length} random bytes inserted at {at}");
            case 3 when at < bytes.Count:
                var length = Math.Min(1 + random.Next(16), bytes.Count - at);
                bytes.RemoveRange(at, length);
                return string.Create(CultureInfo.InvariantCulture, $"{length} bytes deleted at {at}");
            default:
                bytes.RemoveRange(at, bytes.Count - at);
                return string.Create(CultureInfo.InvariantCulture, $"cut after {at} bytes");
        }
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var result = new byte[count];
        random.NextBytes(result);
        return result;
    }

    /// <summary>One text mutation of <paramref name="lines"/>; returns what it did.</summary>
    private string MutateText(Random random, List<string> lines)
    {
        var l = random.Next(lines.Count);
        var tokens = lines[l].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var t = tokens.Count == 0 ? 0 : random.Next(tokens.Count);
        // Weights: numbers and new steps four each (they mostly still parse and reach the kernel), the rest one each.
        switch (random.Next(22) switch { < 3 => 3, < 6 => 13, var k => k - 4 })
        {
            case 0 when tokens.Count > 0:
                tokens.RemoveAt(t);
                lines[l] = string.Join(' ', tokens);
                return $"line {l + 1}: token {t} deleted";
            case 1 when tokens.Count > 0:
                tokens.Insert(t, tokens[t]);
                lines[l] = string.Join(' ', tokens);
                return $"line {l + 1}: token {t} doubled";
            case 2 when tokens.Count > 1:
                var u = random.Next(tokens.Count);
                (tokens[t], tokens[u]) = (tokens[u], tokens[t]);
                lines[l] = string.Join(' ', tokens);
                return $"line {l + 1}: tokens {t} and {u} swapped";
            case 3:
            case 4:
                var numbers = NumberPattern().Matches(lines[l]);
                if (numbers.Count == 0)
                {
                    goto default;
                }

                var m = numbers[random.Next(numbers.Count)];
                var extreme = ExtremeNumbers[random.Next(ExtremeNumbers.Length)];
                lines[l] = lines[l][..m.Index] + extreme + lines[l][(m.Index + m.Length)..];
                return $"line {l + 1}: number {m.Value} -> {extreme}";
            case 5 when tokens.Count > 0:
                var keyword = Keywords[random.Next(Keywords.Length)];
                tokens[t] = keyword;
                lines[l] = string.Join(' ', tokens);
                return $"line {l + 1}: token {t} -> keyword {keyword}";
            case 6 when tokens.Count > 0:
                var word = Words[random.Next(Words.Length)];
                tokens[t] = random.Next(2) == 0 ? word : word.ToLowerInvariant();
                lines[l] = string.Join(' ', tokens);
                return $"line {l + 1}: token {t} -> {tokens[t]}";
            case 7:
                lines.RemoveAt(l);
                if (lines.Count == 0)
                {
                    lines.Add("");
                }

                return $"line {l + 1} deleted";
            case 8:
                lines.Insert(random.Next(lines.Count + 1), lines[l]);
                return $"line {l + 1} doubled";
            case 9:
                var k = random.Next(lines.Count);
                (lines[l], lines[k]) = (lines[k], lines[l]);
                return $"lines {l + 1} and {k + 1} swapped";
            case 10 when lines[l].Length > 0:
                var cut = random.Next(lines[l].Length);
                lines[l] = lines[l][..cut];
                return $"line {l + 1} cut at {cut}";
            case 11:
                var (other, text) = _corpus[random.Next(_corpus.Count)];
                var from = text.Split('\n');
                var pick = from[random.Next(from.Length)];
                lines.Insert(random.Next(lines.Count + 1), pick);
                return $"a line of {other} inserted";
            case 12 when tokens.Count > 0:
                var length = random.Next(4) switch
                {
                    0 => 70,
                    1 => 1_000,
                    2 => 100_000,
                    _ => 400_000,
                };
                var seed = tokens[t].Length == 0 ? "A" : tokens[t];
                tokens[t] = new StringBuilder(length + seed.Length).Insert(0, seed, (length / seed.Length) + 1).ToString(0, length);
                lines[l] = string.Join(' ', tokens);
                return string.Create(CultureInfo.InvariantCulture, $"line {l + 1}: token {t} made {length} characters long");
            case 14:
                lines[l] = lines[l].ToUpperInvariant();
                return $"line {l + 1} upper-cased";
            default:
                // Case 13, 15-17, and a case whose condition failed (an empty line): a new step,
                // on the names bound above it, after the config line (config comes first).
                var config = lines.FindLastIndex(line => line.TrimStart().StartsWith("config", StringComparison.Ordinal));
                var where = config + 1 + random.Next(lines.Count - config);
                var step = StepMaker.Make(random, lines.Take(where).ToList());
                lines.Insert(where, step);
                return $"step '{step}' inserted as line {where + 1}";
        }
    }

    /// <summary>A number as the scenario language writes them, with an optional unit.</summary>
    [GeneratedRegex("-?(0[xX][0-9a-fA-F]+|[0-9]+)[pPkKmMgGtT]?")]
    private static partial Regex NumberPattern();
}

/// <summary>One mutant: where it came from, its bytes, what was done.</summary>
/// <param name="Seed">The run's seed.</param>
/// <param name="Index">Its index in the run.</param>
/// <param name="Origin">The corpus file it was made from.</param>
/// <param name="Bytes">The mutant file.</param>
/// <param name="Description">The mutations, in order.</param>
internal sealed record Mutant(int Seed, int Index, string Origin, byte[] Bytes, string Description);
