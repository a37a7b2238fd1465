using System.Text;

namespace Madvise.Scenarios.Tests.Parsing;

/// <summary>Reading a scenario file: bounded, UTF-8, clear errors for what is not a scenario file.</summary>
public sealed class ScenarioFileReaderTests : IDisposable
{
    /// <summary>A folder private to one test.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-reader-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ADirectoryIsADirectory() =>
        Assert.Equal("is a directory", Assert.Throws<IOException>(() => ScenarioParser.ParseFile(_dir)).Message);

    [Fact]
    public void AMissingFile() =>
        Assert.Equal("no such file or directory", Assert.Throws<IOException>(() => ScenarioParser.ParseFile(Path.Combine(_dir, "x", "y.scn"))).Message);

    [Fact]
    public void AnEndlessDeviceIsRefusedAfterTheLimit()
    {
        var e = Assert.Throws<IOException>(() => ScenarioParser.ParseFile("/dev/zero"));
        Assert.Equal("too large: more than 1,048,576 bytes; a scenario file has at most 1,048,576 bytes (1 MiB)", e.Message);
    }

    [Fact]
    public void AFileLargerThanTheLimitIsRefusedWithoutReadingIt()
    {
        var path = Path.Combine(_dir, "big.scn");
        using (var f = File.Create(path))
        {
            f.SetLength(3L << 30); // sparse: costs nothing on disk
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IOException>(() => ScenarioParser.ParseFile(path));
        Assert.Equal("too large: 3,221,225,472 bytes; a scenario file has at most 1,048,576 bytes (1 MiB)", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < ScenarioFileReader.MaxBytes);
    }

    [Fact]
    public void AFileOfExactlyTheLimitIsRead()
    {
        var path = Path.Combine(_dir, "limit.scn");
        var text = new StringBuilder();
        while (text.Length < ScenarioFileReader.MaxBytes - 100)
        {
            text.Append("read 0 1\n");
        }

        text.Append('#', ScenarioFileReader.MaxBytes - text.Length);
        File.WriteAllText(path, text.ToString());
        Assert.Equal(ScenarioFileReader.MaxBytes, new FileInfo(path).Length);
        Assert.Equal((ScenarioFileReader.MaxBytes - 100 + 8) / 9, ScenarioParser.ParseFile(path).Steps.Count);
    }

    [Fact]
    public void ABinaryFileIsOneError()
    {
        var e = Assert.Throws<ScenarioParseException>(() => ScenarioParser.ParseUtf8("read 0 1\nELF\0\u0001\u0002 bogus\nmore"u8, "b.scn"));
        Assert.Equal("b.scn:2:4: parse error: binary file (a NUL byte): a scenario is UTF-8 text", e.ToString());
        Assert.Single(e.Errors);
    }

    [Fact]
    public void InvalidUtf8IsAnErrorOfItsLine_OtherLinesStillParsed()
    {
        byte[] bytes = [.. "read 0 1\nread 0 \u00e9"u8, 0xff, .. " 1\nbogus\n"u8];
        var e = Assert.Throws<ScenarioParseException>(() => ScenarioParser.ParseUtf8(bytes, "u.scn"));
        Assert.Equal(["u.scn:2:9: parse error: not UTF-8 text (byte 0xff)", "u.scn:3:1: parse error: unknown step 'bogus'"], e.Errors.Select(x => x.ToString()));
    }

    [Fact]
    public void AByteOrderMarkIsSkipped_UnicodeIsFineInComments()
    {
        byte[] bytes = [0xef, 0xbb, 0xbf, .. "# \u00fcber \u4e2d\u6587 \U0001F600\r\nread 0 1\r\n"u8];
        var scenario = ScenarioParser.ParseUtf8(bytes, "bom.scn");
        Assert.Equal(2, Assert.Single(scenario.Steps).Line);
    }
}
