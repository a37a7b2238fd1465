using System.Text;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary><c>madv run</c> and <c>madv check</c> on input that is not a good scenario file: exit 2, a short, safe message.</summary>
public sealed class CliInputTests : IDisposable
{
    /// <summary>A folder of files private to one test.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-cli-input-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("run")]
    [InlineData("check")]
    public void DevZero_TooLarge_Exit2_NoStackTrace(string command)
    {
        var (code, _, error) = Madv(command, "/dev/zero");
        Assert.Equal(2, code);
        Assert.Equal("/dev/zero: cannot read: too large: more than 1,048,576 bytes; a scenario file has at most 1,048,576 bytes (1 MiB)\n", error);
    }

    [Fact]
    public void Directory_IsADirectory_Exit2()
    {
        var (code, _, error) = Madv("run", _dir);
        Assert.Equal(2, code);
        Assert.Equal($"{_dir}: cannot read: is a directory\n", error);
    }

    [Fact]
    public void TerminalEscapeInAFile_NeverEchoedRaw()
    {
        var file = Write("esc.scn", "foo\u001b]0;pwned\u0007 bar"u8);
        var (code, output, error) = Madv("run", file);
        Assert.Equal(2, code);
        Assert.Equal($"{file}:1:4: parse error: control character U+001B: a scenario is text\n", error);
        Assert.DoesNotContain(output + error, c => c < 0x20 && c != '\n');
    }

    [Fact]
    public void OneHugeToken_ErrorStaysShort()
    {
        var file = Write("token.scn", Encoding.UTF8.GetBytes(new string('A', 1_000_000)));
        var (code, _, error) = Madv("run", file);
        Assert.Equal(2, code);
        Assert.True(error.Length < 300, error);
        Assert.EndsWith("...(999936 more characters)'\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ABinaryFile_OneClearError()
    {
        var file = Write("a.out", [0x7f, .. "ELF"u8, 2, 1, 1, 0, 0, 0, 0xff, 0xfe]);
        var (code, _, error) = Madv("run", file);
        Assert.Equal(2, code);
        Assert.Equal($"{file}:1:8: parse error: binary file (a NUL byte): a scenario is UTF-8 text\n", error);
    }

    [Fact]
    public void EveryParseErrorUpToTheLimit_ThenHowManyMore()
    {
        var lines = string.Join('\n', Enumerable.Range(1, ScenarioParser.MaxReportedErrors + 5).Select(i => "frob" + i));
        var file = Write("many.scn", Encoding.UTF8.GetBytes(lines));
        var (code, _, error) = Madv("run", file);
        Assert.Equal(2, code);
        var printed = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ScenarioParser.MaxReportedErrors + 1, printed.Length);
        Assert.Equal($"{file}:20:1: parse error: unknown step 'frob20'", printed[^2]);
        Assert.Equal($"{file}: 5 more parse errors", printed[^1]);
    }

    [Fact]
    public void AFileNameWithControlCharacters_EscapedInEveryLine()
    {
        var file = Write("x\u001b[2J.scn", "read 0 0 => \n"u8);
        var (code, _, error) = Madv("run", file);
        Assert.Equal(2, code);
        Assert.Equal($"{_dir}/x\\e[2J.scn:1:10: parse error: empty expectation after '=>'\n", error);

        File.WriteAllText(file, "read 0 0 => x\n");
        (code, var output, _) = Madv("run", file);
        Assert.Equal(1, code);
        Assert.StartsWith($"# {_dir}/x\\e[2J.scn\n", output, StringComparison.Ordinal);
        Assert.Contains($"{_dir}/x\\e[2J.scn:1: mismatch", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output);
    }

    [Theory]
    [InlineData("run", "--json", "out.txt", "the file name must end in .json")]
    [InlineData("check", "--junit", "out.json", "the file name must end in .xml")]
    [InlineData("run", "--junit", "no-such-dir/out.xml", "the directory {0}/no-such-dir does not exist")]
    public void ResultFiles_CheckedBeforeAnyScenarioRuns(string command, string option, string file, string problem)
    {
        var scenario = Write("ok.scn", "read 0 0\n"u8);
        var path = Path.Combine(_dir, file);
        var (code, output, error) = Madv(command, scenario, option, path);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal($"madv: {option} {path}: {string.Format(System.Globalization.CultureInfo.InvariantCulture, problem, _dir)}\n", error);
    }

    private (int Code, string Output, string Error) Madv(params string[] args) =>
        MadvCli.Run(new ScenarioTargets().Register("sim", () => new FakeTarget("sim")).Register("host", () => new FakeTarget("host")), args);

    private string Write(string name, ReadOnlySpan<byte> bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes.ToArray());
        return path;
    }
}
