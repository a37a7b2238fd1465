using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Parsing;

/// <summary>Every parse error: message, line and column, checked against scnhost.py's on the same input.</summary>
public class ParserErrorTests
{
    /// <summary>The cases of Data/parse-errors.cases with scnhost.py's error line for each (Data/parse-errors.scnhost.out).</summary>
    public static TheoryData<int, string, string> ScnhostCases()
    {
        var lines = File.ReadAllLines(Path.Combine(Scn.DataDirectory, "parse-errors.cases"));
        var expected = File.ReadAllLines(Path.Combine(Scn.DataDirectory, "parse-errors.scnhost.out"));
        var data = new TheoryData<int, string, string>();
        var block = new List<string>();
        var index = 0;
        var i = 0;
        while (i < lines.Length && lines[i].StartsWith('#'))
        {
            i++;
        }

        for (; i <= lines.Length; i++)
        {
            if (i == lines.Length || lines[i] == "----")
            {
                if (block.Count > 0)
                {
                    data.Add(index, string.Join('\n', block), expected[index]);
                    index++;
                }

                block.Clear();
            }
            else
            {
                block.Add(lines[i]);
            }
        }

        Assert.Equal(expected.Length, index);
        return data;
    }

    [Theory]
    [MemberData(nameof(ScnhostCases))]
    public void SameErrorAsScnhost(int index, string text, string scnhost)
    {
        var e = Assert.Throws<ScenarioParseException>(() => ScenarioParser.Parse(text, "case.scn"));
        Assert.True(index >= 0);
        Assert.Equal(scnhost, $"{e.Line}:{e.Column}: parse error: {e.Message}");
    }

    [Theory]
    [InlineData("munmap 0 010", 1, 10, "bad size '010'")]
    [InlineData("task B\nsetuid B 010", 2, 10, "bad number '010'")]
    [InlineData("write 0 1 0x100", 1, 11, "BYTE must be 0..255")]
    [InlineData("write 0 1 0x10000000000000001", 1, 11, "BYTE must be 0..255")]
    [InlineData("setuid self 0x100000000", 1, 13, "bad UID")]
    [InlineData("dropcap self -1", 1, 14, "unknown capability '-1'")]
    [InlineData("pmadvise self seq(0, 1p, 1p, 1, 2) COLD", 1, 15, "seq(ADDR, LEN, STRIDE, COUNT) expected")]
    [InlineData("pmadvise self seq(0, 1x, 1p, 1) COLD", 1, 15, "bad size '1x'")]
    [InlineData("pmadvise self seq (0, 1p, 1p, 1) COLD", 1, 15, "bad vector 'seq'")]
    [InlineData("pmadvise self seq(0,1p,1p,1)x COLD", 1, 15, "bad vector 'seq(0,1p,1p,1)x'")]
    [InlineData("pmadvise self badptr() COLD", 1, 15, "badptr(COUNT) expected")]
    [InlineData("pmadvise self 0 COLD", 1, 15, "bad vector '0'")]
    [InlineData("task B\nexit B C", 2, 1, "'exit' takes 1 argument(s), got 2")]
    [InlineData("pidfd PIDFD 9", 1, 13, "unknown task '9'")]
    [InlineData("mmap A 1p rw private,anon\nmadvise A 1p madv_cold", 2, 14, "unknown behaviour 'madv_cold'")]
    [InlineData("config swap=0 ksm=", 1, 15, "KEY=VALUE expected")]
    [InlineData("in self: config swap=0", 1, 10, "config cannot run in a task")]
    [InlineData("in : read 0 1", 1, 4, "unknown task ''")]
    [InlineData("mmap A 1p rw private,anon\n\n\n   mprotect A 1p rw- => 0", 4, 18, "bad PROT 'rw-'")]
    public void OwnCases(string text, int line, int column, string message)
    {
        var e = Assert.Throws<ScenarioParseException>(() => ScenarioParser.Parse(text, "case.scn"));
        Assert.Equal((line, column, message), (e.Line, e.Column, e.Message));
        Assert.Equal("case.scn", e.File);
    }
}
