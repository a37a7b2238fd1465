// The scenario language parser: the lines, comments, markers and the "in TASK:" prefix; each
// step parses its own arguments (Steps/, listed in StepTable). The language is documented in
// docs/scenario-language.md; where the original specification is silent this parser does what
// the independent reference runner does, and the decisions are listed here.
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
// 15. A file is UTF-8 text of at most ScenarioFileReader.MaxBytes (1 MiB); a leading byte
//     order mark is skipped. A NUL byte makes it a binary file: one error, nothing else is
//     parsed. A line that is not UTF-8, or that holds a control character (C0 but tab, DEL,
//     C1, the Unicode line separators and bidirectional overrides; in comments too, since a
//     marker's reason is echoed) is an error of that line; scnhost.py decodes strictly too but
//     lets control characters through.
// 16. After an error the parser goes on at the next line and reports every error of the file
//     (the first MaxReportedErrors, then how many more). A name that the failed line would
//     have bound (mmap, file, pidfd, task, fork; also after "in TASK:") is bound anyway when
//     it is a valid name, so its later uses add no errors of their own. Text quoted in an
//     error is escaped and cut to PrintableText.MaxEchoed characters.
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

    /// <summary>How many parse errors of one file are reported; the others are only counted.</summary>
    public const int MaxReportedErrors = 20;

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

    /// <summary>The steps parsed so far.</summary>
    private readonly List<Step> _steps = [];

    /// <summary>True once a step other than <c>config</c> was parsed.</summary>
    private bool _seenOtherStep;

    /// <summary>The file's <c>@host-divergent</c> reason, once seen.</summary>
    private string? _hostDivergent;

    /// <summary>The file's <c>sim-only</c> reason, once seen.</summary>
    private string? _simOnly;

    /// <summary>The first <see cref="MaxReportedErrors"/> errors of the file.</summary>
    private readonly List<ScenarioParseException> _errors = [];

    /// <summary>Errors found beyond <see cref="MaxReportedErrors"/>.</summary>
    private int _unreportedErrors;

    private ScenarioParser(string file) => _file = file;

    /// <summary>Reads and parses a file of at most <see cref="ScenarioFileReader.MaxBytes"/> bytes of UTF-8 text.</summary>
    /// <exception cref="ScenarioParseException">The file does not follow the grammar (every error is in <see cref="ScenarioParseException.Errors"/>).</exception>
    /// <exception cref="IOException">The file cannot be read, is a directory or is too large.</exception>
    public static Scenario ParseFile(string path) => ParseUtf8(ScenarioFileReader.Read(path), path);

    /// <summary>Parses scenario text; <paramref name="path"/> names it in errors.</summary>
    /// <exception cref="ScenarioParseException">The text does not follow the grammar (every error is in <see cref="ScenarioParseException.Errors"/>).</exception>
    public static Scenario Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(path);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        return new ScenarioParser(path).ParseLines(lines);
    }

    /// <summary>
    /// Parses the bytes of a scenario file: UTF-8 (a leading byte order mark is skipped). A NUL
    /// byte makes it a binary file (one error); a line that is not valid UTF-8 is an error of
    /// that line, and the lines after it are still parsed.
    /// </summary>
    /// <exception cref="ScenarioParseException">The bytes are not a scenario.</exception>
    public static Scenario ParseUtf8(ReadOnlySpan<byte> bytes, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parser = new ScenarioParser(path);
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        // A line that is not UTF-8 is kept as its error, reported in line order with the others.
        var lines = new List<string?>();
        var undecodable = new Dictionary<int, ScenarioParseException>();
        while (true)
        {
            parser._line = lines.Count + 1;
            var end = bytes.IndexOfAny((byte)'\n', (byte)'\r');
            var raw = end < 0 ? bytes : bytes[..end];
            var nul = raw.IndexOf((byte)0);
            if (nul >= 0)
            {
                throw parser.Error(Utf8Prefix(raw[..nul]) + 1, "binary file (a NUL byte): a scenario is UTF-8 text");
            }

            lines.Add(Decode(raw, out var invalidAt));
            if (invalidAt >= 0)
            {
                undecodable[parser._line] = parser.Error(
                    Utf8Prefix(raw[..invalidAt]) + 1,
                    string.Create(CultureInfo.InvariantCulture, $"not UTF-8 text (byte 0x{raw[invalidAt]:x2})"));
            }

            if (end < 0)
            {
                break;
            }

            bytes = bytes[(end + (bytes[end] == '\r' && end + 1 < bytes.Length && bytes[end + 1] == '\n' ? 2 : 1))..];
        }

        return parser.ParseLines(lines, undecodable);
    }

    /// <summary>The line as text, or null with <paramref name="invalidAt"/> the offset of its first byte that is not UTF-8.</summary>
    private static string? Decode(ReadOnlySpan<byte> raw, out int invalidAt)
    {
        var chars = new char[raw.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(raw, chars, out var read, out var written, replaceInvalidSequences: false);
        invalidAt = status == System.Buffers.OperationStatus.Done ? -1 : read;
        return invalidAt < 0 ? new string(chars, 0, written) : null;
    }

    /// <summary>The UTF-16 length of valid UTF-8 bytes (a column).</summary>
    private static int Utf8Prefix(ReadOnlySpan<byte> valid) => System.Text.Encoding.UTF8.GetCharCount(valid);

    /// <summary>Parses every line, recovering at the next line after an error; a null line is not text, its error is in <paramref name="undecodable"/> (by line number).</summary>
    private Scenario ParseLines(IReadOnlyList<string?> lines, Dictionary<int, ScenarioParseException>? undecodable = null)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            _line = i + 1;
            if (lines[i] is not { } line)
            {
                Record(undecodable![_line]);
                continue;
            }

            try
            {
                ParseLine(line);
            }
            catch (ScenarioParseException e)
            {
                Record(e);
                BindAfterError(line);
            }
        }

        if (_errors.Count > 0)
        {
            throw _errors[0].WithAll(_errors, _unreportedErrors);
        }

        return new Scenario(_file, _steps) { HostDivergent = _hostDivergent, SimOnly = _simOnly };
    }

    /// <summary>Keeps the first <see cref="MaxReportedErrors"/> errors and counts the others.</summary>
    private void Record(ScenarioParseException error)
    {
        if (_errors.Count < MaxReportedErrors)
        {
            _errors.Add(error);
        }
        else
        {
            _unreportedErrors++;
        }
    }

    /// <summary>
    /// After an error on a line that binds a name (<c>mmap</c>, <c>file</c>, <c>pidfd</c>,
    /// <c>task</c>, <c>fork</c>, also after <c>in TASK:</c>), binds it anyway when it is a
    /// valid name, so that later lines using it do not add errors of their own.
    /// </summary>
    private void BindAfterError(string line)
    {
        var hash = line.IndexOf('#', StringComparison.Ordinal);
        var code = hash >= 0 ? line[..hash] : line;
        var arrow = code.IndexOf("=>", StringComparison.Ordinal);
        var words = ScenarioLexer.SplitWhitespace(arrow >= 0 ? code[..arrow] : code);
        var k = 0;
        if (words.Length > 0 && string.Equals(words[0], "in", StringComparison.OrdinalIgnoreCase))
        {
            k = Array.FindIndex(words, 1, w => w.EndsWith(':') || w.StartsWith(':'));
            if (k < 0)
            {
                return;
            }

            if (words[k].EndsWith(':'))
            {
                k++;
            }
            else if (words[k].Length > 1)
            {
                words[k] = words[k][1..];
            }
            else
            {
                k++;
            }
        }

        if (k + 1 >= words.Length || !IsName(words[k + 1]) || IsSelf(words[k + 1]))
        {
            return;
        }

        var set = words[k].ToLowerInvariant() switch
        {
            "mmap" => _mappings,
            "file" => _files,
            "pidfd" => _pidfds,
            "task" or "fork" => _tasks,
            _ => null,
        };
        set?.Add(words[k + 1]);
    }

    /// <summary>Parses one line (the markers, the step and its expectation).</summary>
    private void ParseLine(string line)
    {
        for (var c = 0; c < line.Length; c++)
        {
            if (line[c] != '\t' && PrintableText.NeedsEscape(line[c]) && !char.IsSurrogate(line[c]))
            {
                throw Error(c + 1, $"control character {PrintableText.Name(line[c])}: a scenario is text");
            }
        }

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
                    if (!commentOnly || _steps.Count > 0)
                    {
                        throw Error(hash + 1, $"'{SimOnlyMarker}' belongs in the header, before the first step");
                    }

                    _simOnly = reason;
                }
                else if (commentOnly)
                {
                    if (_steps.Count > 0)
                    {
                        throw Error(hash + 1, $"'{HostDivergentMarker}' after the first step must be the comment of the step where the host diverges");
                    }

                    _hostDivergent ??= reason;
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

            return;
        }

        var step = ParseStep(tokens) with { Line = _line, Expected = expected, HostDivergent = stepMarker };
        if (step is ConfigStep)
        {
            if (_seenOtherStep)
            {
                throw Error(tokens[0].Column, "config must come before any other step");
            }
        }
        else
        {
            _seenOtherStep = true;
        }

        _hostDivergent ??= stepMarker;
        _steps.Add(step);
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
    private Step ParsePlain(List<ScenarioToken> tokens) =>
        StepTable.Parsers.TryGetValue(tokens[0].Text.ToLowerInvariant(), out var parse)
            ? parse(this, tokens)
            : throw Error(tokens[0].Column, $"unknown step {PrintableText.Quote(tokens[0].Text)}");

    /// <summary>Records that a step binds mapping <paramref name="name"/> (after its own line).</summary>
    internal void BindMapping(string name) => _mappings.Add(name);

    /// <summary>Records that a step binds file <paramref name="name"/>.</summary>
    internal void BindFile(string name) => _files.Add(name);

    /// <summary>Records that a step binds pidfd <paramref name="name"/>.</summary>
    internal void BindPidfd(string name) => _pidfds.Add(name);

    /// <summary>The FILE of <c>fd=FILE</c>: a name bound by an earlier <c>file</c> step.</summary>
    internal string ParseFileName(string value, int column) =>
        _files.Contains(value) ? value : throw Error(column, $"unknown file {PrintableText.Quote(value)}");

    /// <summary>The NAME of <c>task NAME</c> and <c>fork NAME</c>: a new task name, which it records.</summary>
    internal string ParseNewTask(List<ScenarioToken> tokens)
    {
        CheckArgumentCount(tokens, 1, 1);
        var name = ParseNewName(tokens[1]);
        if (IsSelf(name) || _tasks.Contains(name))
        {
            throw Error(tokens[1].Column, $"task {PrintableText.Quote(name)} already exists");
        }

        _tasks.Add(name);
        return name;
    }

    /// <summary>A <c>KEY=VALUE</c> argument: the key in lower case, the value as written and the column where it starts.</summary>
    internal (string Key, string Value, int ValueColumn) ParseOption(ScenarioToken token, string expected)
    {
        var eq = token.Text.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0 || eq == token.Text.Length - 1)
        {
            throw Error(token.Column, expected);
        }

        return (token.Text[..eq].ToLowerInvariant(), token.Text[(eq + 1)..], token.Column + eq + 1);
    }

    /// <summary>Fails unless the step has between <paramref name="min"/> and <paramref name="max"/> arguments.</summary>
    internal void CheckArgumentCount(List<ScenarioToken> tokens, int min, int max)
    {
        var n = tokens.Count - 1;
        if (n < min || n > max)
        {
            var wanted = min == max
                ? min.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{min}-{max}");
            throw Error(tokens[0].Column, string.Create(CultureInfo.InvariantCulture, $"{PrintableText.Quote(tokens[0].Text)} takes {wanted} argument(s), got {n}"));
        }
    }

    internal static bool Is(ScenarioToken token, string keyword) => string.Equals(token.Text, keyword, StringComparison.OrdinalIgnoreCase);

    internal static bool IsSelf(string name) => string.Equals(name, "self", StringComparison.OrdinalIgnoreCase);

    /// <summary>A parse error at <paramref name="column"/> of the current line.</summary>
    internal ScenarioParseException Error(int column, string message) => new(_file, _line, column, message);
}
