// The scenario language parser. The grammar is shared/spec/scenario-format.md; where the
// spec is silent this parser does what the reference runner shared/tools/scnhost.py does,
// and the decisions are listed here, as the spec asks.
//
//  1. Lines end at "\n", "\r\n" or "\r". The first '#' on a line starts a comment, even
//     inside "[...]". After it is cut, the first "=>" starts the expectation, which is
//     whitespace-folded; an empty expectation, or "=>" on a line without a step, is an error.
//  2. Tokens are separated by spaces and tabs. A '[' at the start of a token runs to the
//     first ']' (blanks included); a '(' inside a word runs to the first ')'. Neither nests.
//     A '[' inside a word is an error.
//  3. Numbers: -?(0x[0-9a-fA-F]+|[0-9]+). A decimal number with a leading zero ("010") is
//     refused: C would read octal and scnhost.py's int(x, 0) throws, so no reading is safe.
//     Sizes, addresses, pmadvise FLAGS, seq/badptr COUNT and raw pidfds wrap modulo 2^64
//     ("-1" is 2^64-1, "-1p" is 2^64-4096); BYTE (0..255), UID (0..2^32-2) and a numeric
//     capability (0..63) must be in range as written. Size units p/K/M/G in any case.
//  4. Behaviours: the kernel name without MADV_, in any case, echoed in upper case; a
//     "MADV_" prefix is refused (scnhost.py refuses it, and files must stay portable). A
//     number is any integer, echoed as written; the kernel sees its low 32 bits.
//  5. PROT: "none", or each of r, w, x at most once, in any order, echoed in lower case
//     in the order written ("WR" echoes "wr"). mmap FLAGS: a comma list without blanks or
//     empty items, echoed in lower case in the order written.
//  6. mmap options fd=FILE, off=SIZE, at=ADDR in any order; the key is case-insensitive and
//     echoed in lower case, the value as written; a repeated option: the last one wins (every
//     one is echoed). mmap NAME is bound after its own line, so "at=NAME" on that line names
//     the earlier binding.
//  7. Names: [A-Za-z_][A-Za-z0-9_]*, case-sensitive. Mapping, file and pidfd names may be
//     bound again (later steps use the newest binding); a task name may not, nor may a task
//     or pidfd be called "self" (any case). "self" in a task position means the main task,
//     in any case, and is echoed "self".
//  8. pmadvise PIDFD: "self" (echoed lower case), PIDFD_SELF / PIDFD_SELF_PROCESS (any case,
//     echoed upper case), a number (echoed as written), else a pidfd name. FLAGS: a number,
//     echoed as written.
//  9. Vectors: "[]" (blanks allowed inside) is empty; otherwise entries are separated by ';',
//     each exactly "ADDR LEN", echoed "[A L; B L]". "seq(" and "badptr(" in any case, echoed
//     in lower case with the arguments as written (trimmed) joined by ", ".
// 10. "in TASK: STEP", "in TASK : STEP" and "in TASK :STEP" are accepted; "in" does not nest
//     and config cannot run in a task. The prefix is echoed "in TASK: ".
// 11. config: keys in any case; on/off/always/madvise/never values in any case, echoed in
//     lower case; swap is a size, echoed as written. Several config lines are allowed as long
//     as no other step came before; a repeated key: the last one wins.
// 12. dropcap CAP: a CAP_* name in any case (echoed upper case) or a number 0..63 (as
//     written). "file ... memfd": the keyword in any case, echoed "memfd".
// 13. An argument-count error names the keyword as written.
// 14. Markers (comments the tools read; scnhost.py ignores them, they are comments):
//     "# @host-divergent: REASON" on a comment line before the first step marks the file
//     (Scenario.HostDivergent); as the comment of a step line it marks that step as the
//     place where the host starts to diverge (Step.HostDivergent; it marks the file too).
//     On a comment line after the first step it is an error: the rule needs a header or a
//     step. "# sim-only: REASON" on a comment line before the first step sets
//     Scenario.SimOnly. Both need a non-empty reason; the markers are case-sensitive and
//     must start the comment (after blanks), so prose that mentions them is no marker.
using System.Globalization;
using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios;

/// <summary>Parses scenario files (<c>.scn</c>) into <see cref="Scenario"/> objects.</summary>
/// <remarks>The whole file is parsed before anything runs: a file either parses completely or not at all.</remarks>
public sealed partial class ScenarioParser
{
    /// <summary>The marker of a file (or step) whose results on the host cannot agree with the simulated kernel.</summary>
    public const string HostDivergentMarker = "@host-divergent:";

    /// <summary>The marker of a file that needs a configuration the reference host does not have.</summary>
    public const string SimOnlyMarker = "sim-only:";

    /// <summary>The file name used in errors and in the result.</summary>
    private readonly string _file;

    /// <summary>Mapping names bound so far (by <c>mmap</c>).</summary>
    private readonly HashSet<string> _mappings = new(StringComparer.Ordinal);

    /// <summary>File names bound so far (by <c>file</c>).</summary>
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);

    /// <summary>Pidfd names bound so far (by <c>pidfd</c>).</summary>
    private readonly HashSet<string> _pidfds = new(StringComparer.Ordinal);

    /// <summary>Task names created so far (by <c>task</c> and <c>fork</c>); <c>self</c> is handled apart.</summary>
    private readonly HashSet<string> _tasks = new(StringComparer.Ordinal);

    /// <summary>The line being parsed (1-based), for errors.</summary>
    private int _line;

    private ScenarioParser(string file) => _file = file;

    /// <summary>Reads and parses a file.</summary>
    /// <exception cref="ScenarioParseException">The file does not follow the grammar.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Scenario ParseFile(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses scenario text; <paramref name="path"/> names it in errors.</summary>
    /// <exception cref="ScenarioParseException">The text does not follow the grammar.</exception>
    public static Scenario Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(path);
        return new ScenarioParser(path).ParseAll(text);
    }

    private Scenario ParseAll(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        var steps = new List<Step>();
        var seenOtherStep = false;
        string? hostDivergent = null;
        string? simOnly = null;
        for (var i = 0; i < lines.Length; i++)
        {
            _line = i + 1;
            var line = lines[i];
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            string? stepMarker = null;
            if (hash >= 0)
            {
                var (marker, reason) = ParseMarker(line, hash);
                line = line[..hash];
                if (marker is not null)
                {
                    var commentOnly = line.Trim().Length == 0;
                    if (marker == SimOnlyMarker)
                    {
                        if (!commentOnly || steps.Count > 0)
                        {
                            throw Error(hash + 1, $"'{SimOnlyMarker}' belongs in the header, before the first step");
                        }

                        simOnly = reason;
                    }
                    else if (commentOnly)
                    {
                        if (steps.Count > 0)
                        {
                            throw Error(hash + 1, $"'{HostDivergentMarker}' after the first step must be the comment of the step where the host diverges");
                        }

                        hostDivergent ??= reason;
                    }
                    else
                    {
                        stepMarker = reason;
                    }
                }
            }

            string? expected = null;
            var arrow = line.IndexOf("=>", StringComparison.Ordinal);
            if (arrow >= 0)
            {
                expected = ScenarioLexer.FoldWhitespace(line[(arrow + 2)..]);
                if (expected.Length == 0)
                {
                    throw Error(arrow + 1, "empty expectation after '=>'");
                }

                line = line[..arrow];
            }

            var tokens = ScenarioLexer.Tokenize(line, _file, _line);
            if (tokens.Count == 0)
            {
                if (expected is not null)
                {
                    throw Error(arrow + 1, "expectation without a step");
                }

                continue;
            }

            var step = ParseStep(tokens) with { Line = _line, Expected = expected, HostDivergent = stepMarker };
            hostDivergent ??= stepMarker;
            if (step is ConfigStep)
            {
                if (seenOtherStep)
                {
                    throw Error(tokens[0].Column, "config must come before any other step");
                }
            }
            else
            {
                seenOtherStep = true;
            }

            steps.Add(step);
        }

        return new Scenario(_file, steps) { HostDivergent = hostDivergent, SimOnly = simOnly };
    }

    /// <summary>The marker that starts the comment at <paramref name="hash"/>, with its reason, or (null, null).</summary>
    private (string? Marker, string? Reason) ParseMarker(string line, int hash)
    {
        var comment = line.AsSpan(hash + 1).TrimStart(" \t");
        foreach (var marker in (ReadOnlySpan<string>)[HostDivergentMarker, SimOnlyMarker])
        {
            if (comment.StartsWith(marker, StringComparison.Ordinal))
            {
                var reason = comment[marker.Length..].Trim(" \t").ToString();
                if (reason.Length == 0)
                {
                    throw Error(hash + 1, $"'{marker}' needs a reason");
                }

                return (marker, reason);
            }
        }

        return (null, null);
    }

    /// <summary>A step with its optional <c>in TASK:</c> prefix.</summary>
    private Step ParseStep(List<ScenarioToken> tokens)
    {
        if (!Is(tokens[0], "in"))
        {
            return ParsePlain(tokens);
        }

        if (tokens.Count < 3)
        {
            throw Error(tokens[0].Column, "'in TASK: STEP' expected");
        }

        var taskToken = tokens[1];
        var rest = tokens.GetRange(2, tokens.Count - 2);
        string taskName;
        if (taskToken.Text.EndsWith(':'))
        {
            taskName = taskToken.Text[..^1];
        }
        else if (rest[0].Text == ":")
        {
            taskName = taskToken.Text;
            rest.RemoveAt(0);
        }
        else if (rest[0].Text.StartsWith(':'))
        {
            taskName = taskToken.Text;
            rest[0] = new ScenarioToken(rest[0].Text[1..], rest[0].Column + 1);
        }
        else
        {
            throw Error(taskToken.Column, "missing ':' after the task name");
        }

        if (rest.Count == 0)
        {
            throw Error(taskToken.Column, $"missing step after 'in {taskName}:'");
        }

        var task = ParseTask(new ScenarioToken(taskName, taskToken.Column));
        if (Is(rest[0], "in"))
        {
            throw Error(rest[0].Column, "nested 'in'");
        }

        if (Is(rest[0], "config"))
        {
            throw Error(rest[0].Column, "config cannot run in a task");
        }

        var step = ParsePlain(rest);
        return step with { Task = task, Text = $"in {task}: {step.Text}" };
    }

    /// <summary>A step without prefix; sets <see cref="Step.Text"/> to its normalised form.</summary>
    private Step ParsePlain(List<ScenarioToken> tokens)
    {
        var keyword = tokens[0].Text.ToLowerInvariant();
        return keyword switch
        {
            "mmap" => ParseMmap(tokens),
            "munmap" => ParseRange(tokens, static (a, l) => new MunmapStep(a, l)),
            "mlock" => ParseRange(tokens, static (a, l) => new MlockStep(a, l)),
            "munlock" => ParseRange(tokens, static (a, l) => new MunlockStep(a, l)),
            "read" => ParseRange(tokens, static (a, l) => new ReadStep(a, l)),
            "mincore" => ParseRange(tokens, static (a, l) => new MincoreStep(a, l)),
            "vmas" => ParseRange(tokens, static (a, l) => new VmasStep(a, l)),
            "mprotect" => ParseMprotect(tokens),
            "madvise" => ParseMadvise(tokens),
            "write" => ParseWrite(tokens),
            "pmadvise" => ParsePmadvise(tokens),
            "file" => ParseFileStep(tokens),
            "pidfd" => ParsePidfd(tokens),
            "task" => ParseNewTask(tokens, static n => new TaskStep(n)),
            "fork" => ParseNewTask(tokens, static n => new ForkStep(n)),
            "exit" => ParseExit(tokens),
            "setuid" => ParseSetUid(tokens),
            "dropcap" => ParseDropCap(tokens),
            "config" => ParseConfig(tokens),
            _ => throw Error(tokens[0].Column, $"unknown step '{tokens[0].Text}'"),
        };
    }

    private MmapStep ParseMmap(List<ScenarioToken> tokens)
    {
        if (tokens.Count < 5)
        {
            throw Error(tokens[0].Column, "mmap NAME LEN PROT FLAGS [fd=FILE] [off=SIZE] [at=ADDR]");
        }

        var name = ParseNewName(tokens[1]);
        var length = ParseSize(tokens[2].Text, tokens[2].Column);
        var (prot, protText) = ParseProt(tokens[3]);
        var (flags, flagsText) = ParseMapFlags(tokens[4]);
        string? file = null;
        ulong offset = 0;
        AddressExpression? at = null;
        var text = new List<string> { "mmap", name, tokens[2].Text, protText, flagsText };
        for (var i = 5; i < tokens.Count; i++)
        {
            var t = tokens[i];
            var eq = t.Text.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0 || eq == t.Text.Length - 1)
            {
                throw Error(t.Column, "option must be fd=FILE, off=SIZE or at=ADDR");
            }

            var key = t.Text[..eq].ToLowerInvariant();
            var value = t.Text[(eq + 1)..];
            var valueColumn = t.Column + eq + 1;
            switch (key)
            {
                case "fd":
                    if (!_files.Contains(value))
                    {
                        throw Error(valueColumn, $"unknown file '{value}'");
                    }

                    file = value;
                    break;
                case "off":
                    offset = ParseSize(value, valueColumn);
                    break;
                case "at":
                    at = ParseAddress(value, valueColumn);
                    break;
                default:
                    throw Error(t.Column, $"unknown option '{key}'");
            }

            text.Add(key + "=" + value);
        }

        _mappings.Add(name);
        return new MmapStep(name, length, prot, flags, file, offset, at) { Text = string.Join(' ', text) };
    }

    private RangeStep ParseRange(List<ScenarioToken> tokens, Func<AddressExpression, ulong, RangeStep> create)
    {
        CheckArgumentCount(tokens, 2, 2);
        var step = create(ParseAddress(tokens[1].Text, tokens[1].Column), ParseSize(tokens[2].Text, tokens[2].Column));
        return step with { Text = $"{step.Keyword} {tokens[1].Text} {tokens[2].Text}" };
    }

    private MprotectStep ParseMprotect(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 3, 3);
        var address = ParseAddress(tokens[1].Text, tokens[1].Column);
        var length = ParseSize(tokens[2].Text, tokens[2].Column);
        var (prot, protText) = ParseProt(tokens[3]);
        return new MprotectStep(address, length, prot) { Text = $"mprotect {tokens[1].Text} {tokens[2].Text} {protText}" };
    }

    private MadviseStep ParseMadvise(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 3, 3);
        var address = ParseAddress(tokens[1].Text, tokens[1].Column);
        var length = ParseSize(tokens[2].Text, tokens[2].Column);
        var (behavior, behaviorText) = ParseBehavior(tokens[3]);
        return new MadviseStep(address, length, behavior, behaviorText)
        {
            Text = $"madvise {tokens[1].Text} {tokens[2].Text} {behaviorText}",
        };
    }

    private WriteStep ParseWrite(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 3, 3);
        var address = ParseAddress(tokens[1].Text, tokens[1].Column);
        var length = ParseSize(tokens[2].Text, tokens[2].Column);
        var value = ParseByte(tokens[3]);
        return new WriteStep(address, length, value) { Text = $"write {tokens[1].Text} {tokens[2].Text} {tokens[3].Text}" };
    }

    private PmadviseStep ParsePmadvise(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 3, 4);
        var (pidfd, pidfdText) = ParsePidfdArgument(tokens[1]);
        var (vector, vectorText) = ParseVector(tokens[2]);
        var (behavior, behaviorText) = ParseBehavior(tokens[3]);
        ulong flags = 0;
        var text = $"pmadvise {pidfdText} {vectorText} {behaviorText}";
        if (tokens.Count == 5)
        {
            flags = ParseNumber(tokens[4]).Wrapped;
            text += " " + tokens[4].Text;
        }

        return new PmadviseStep(pidfd, vector, behavior, behaviorText, flags) { Text = text };
    }

    private FileStep ParseFileStep(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 3, 4);
        var name = ParseNewName(tokens[1]);
        var length = ParseSize(tokens[2].Text, tokens[2].Column);
        var fill = ParseByte(tokens[3]);
        var memfd = false;
        if (tokens.Count == 5)
        {
            if (!Is(tokens[4], "memfd"))
            {
                throw Error(tokens[4].Column, "expected 'memfd'");
            }

            memfd = true;
        }

        _files.Add(name);
        return new FileStep(name, length, fill, memfd)
        {
            Text = $"file {name} {tokens[2].Text} {tokens[3].Text}" + (memfd ? " memfd" : ""),
        };
    }

    private PidfdStep ParsePidfd(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 2, 2);
        var name = ParseNewName(tokens[1]);
        if (IsSelf(name))
        {
            throw Error(tokens[1].Column, "'self' cannot be bound");
        }

        var target = ParseTask(tokens[2]);
        _pidfds.Add(name);
        return new PidfdStep(name, target) { Text = $"pidfd {name} {target}" };
    }

    private Step ParseNewTask(List<ScenarioToken> tokens, Func<string, Step> create)
    {
        CheckArgumentCount(tokens, 1, 1);
        var name = ParseNewName(tokens[1]);
        if (IsSelf(name) || _tasks.Contains(name))
        {
            throw Error(tokens[1].Column, $"task '{name}' already exists");
        }

        _tasks.Add(name);
        var step = create(name);
        return step with { Text = $"{step.Keyword} {name}" };
    }

    private ExitStep ParseExit(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 1, 1);
        var target = ParseTask(tokens[1]);
        return new ExitStep(target) { Text = $"exit {target}" };
    }

    private SetUidStep ParseSetUid(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 2, 2);
        var target = ParseTask(tokens[1]);
        var uid = ParseNumber(tokens[2]);

        // (uid_t)-1 means "leave unchanged" to setresuid(2), so it cannot be a target uid.
        if (!uid.IsInRange(uint.MaxValue - 1))
        {
            throw Error(tokens[2].Column, "bad UID");
        }

        return new SetUidStep(target, (uint)uid.Magnitude) { Text = $"setuid {target} {tokens[2].Text}" };
    }

    private DropCapStep ParseDropCap(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 2, 2);
        var target = ParseTask(tokens[1]);
        var (capability, capabilityText) = ParseCapability(tokens[2]);
        return new DropCapStep(target, capability, capabilityText) { Text = $"dropcap {target} {capabilityText}" };
    }

    private ConfigStep ParseConfig(List<ScenarioToken> tokens)
    {
        if (tokens.Count < 2)
        {
            throw Error(tokens[0].Column, "config KEY=VALUE ... expected");
        }

        ulong? swap = null;
        bool? memoryFailure = null;
        bool? ksm = null;
        ThpMode? thp = null;
        var text = new List<string> { "config" };
        for (var i = 1; i < tokens.Count; i++)
        {
            var t = tokens[i];
            var eq = t.Text.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0 || eq == t.Text.Length - 1)
            {
                throw Error(t.Column, "KEY=VALUE expected");
            }

            var key = t.Text[..eq].ToLowerInvariant();
            var value = t.Text[(eq + 1)..];
            var lower = value.ToLowerInvariant();
            var valueColumn = t.Column + eq + 1;
            switch (key)
            {
                case "swap":
                    swap = ParseSize(value, valueColumn);
                    text.Add("swap=" + value);
                    continue;
                case "memory_failure":
                    memoryFailure = ParseOnOff(key, lower, valueColumn);
                    break;
                case "ksm":
                    ksm = ParseOnOff(key, lower, valueColumn);
                    break;
                case "thp":
                    thp = lower switch
                    {
                        "always" => ThpMode.Always,
                        "madvise" => ThpMode.Madvise,
                        "never" => ThpMode.Never,
                        _ => throw Error(valueColumn, "thp must be always, madvise or never"),
                    };
                    break;
                default:
                    throw Error(t.Column, $"unknown config key '{key}'");
            }

            text.Add(key + "=" + lower);
        }

        return new ConfigStep(new ScenarioConfig(swap, memoryFailure, thp, ksm)) { Text = string.Join(' ', text) };
    }

    private bool ParseOnOff(string key, string value, int column) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw Error(column, $"{key} must be on or off"),
    };

    private void CheckArgumentCount(List<ScenarioToken> tokens, int min, int max)
    {
        var n = tokens.Count - 1;
        if (n < min || n > max)
        {
            var wanted = min == max
                ? min.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{min}-{max}");
            throw Error(tokens[0].Column, string.Create(CultureInfo.InvariantCulture, $"'{tokens[0].Text}' takes {wanted} argument(s), got {n}"));
        }
    }

    private static bool Is(ScenarioToken token, string keyword) => string.Equals(token.Text, keyword, StringComparison.OrdinalIgnoreCase);

    private static bool IsSelf(string name) => string.Equals(name, "self", StringComparison.OrdinalIgnoreCase);

    private ScenarioParseException Error(int column, string message) => new(_file, _line, column, message);
}
