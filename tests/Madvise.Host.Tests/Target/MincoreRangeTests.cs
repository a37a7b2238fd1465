using Madvise.Host.Tests.Shared;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;
using Madvise.Scenarios.Sim;

namespace Madvise.Host.Tests.Target;

/// <summary>
/// mincore over more pages than the runner's vector window (2^20): the runner asks a window at a
/// time (runner rule 7) and every target (the simulated kernel, this process, an agent) answers
/// as Linux does for the whole range, with bounded memory: the digits when every page is mapped,
/// -ENOMEM at a hole in a later window or past the user limit, -EINVAL for an unaligned start,
/// and SKIP only for a successful result longer than 2^24 pages.
/// </summary>
public sealed class MincoreRangeTests
{
    /// <summary>
    /// 6 GiB (1.5 Mi pages, two windows) with resident pages on both sides of the window edge,
    /// in the first and last page, and a hole in the third window of a second reservation.
    /// </summary>
    private const string Text = """
        mmap R 6G rw private,anon,noreserve
        write R 1 0x11
        write R+4095M 8K 0x22
        write R+4G 1 0x33
        write R+4194316K 1 0x44
        write R+6442450943 1 0x55
        mincore R 6G
        mincore R+4194312K 6p
        mmap S 12G none private,anon,noreserve
        munmap S+10G 1p
        mincore S 12G
        mincore S+1 12G
        mincore S 0x7fffffff0000
        mmap T 68G none private,anon,noreserve
        mincore T 68G
        munmap T+67G 1p
        mincore T 68G
        """;

    /// <summary>Page indexes of <c>R</c> the writes made resident.</summary>
    private static readonly int[] Resident = [0, (1 << 20) - 256, (1 << 20) - 255, 1 << 20, (1 << 20) + 3, (6 << 18) - 1];

    [Fact]
    public void SimTargetGivesLinuxAnswerForLongRanges() => AssertLinuxAnswers(Run(new SimTarget()));

    [Fact]
    public void HostTargetGivesLinuxAnswerForLongRanges()
    {
        using var target = new HostScenarioTarget();
        AssertLinuxAnswers(Run(target));
    }

    [AgentFact]
    public void HostAgentGivesLinuxAnswerForLongRanges()
    {
        using var target = new HostScenarioTarget();
        var inTask = "task t\n" + string.Join('\n', Text.Split('\n').Select(l => "in t: " + l.Trim()));
        var results = Run(target, inTask);
        AssertLinuxAnswers(results[1..]);
    }

    private static string[] Run(IScenarioTarget target, string text = Text)
    {
        using (target)
        {
            var report = ScenarioRunner.Run(ScenarioParser.Parse(text, "mincore-range.scn"), target, TextWriter.Null);
            return [.. report.Steps.Select(s => s.Result)];
        }
    }

    private static void AssertLinuxAnswers(string[] r)
    {
        Assert.All(r[..6], x => Assert.True(x is "ok" or "0", x));
        var digits = r[6];
        Assert.Equal(6 << 18, digits.Length);
        var ones = Enumerable.Range(0, digits.Length).Where(i => digits[i] == '1').ToArray();
        Assert.Equal(Resident, ones);
        Assert.Equal("010000", r[7]);
        Assert.Equal("ok", r[8]);
        Assert.Equal("0", r[9]);
        Assert.Equal("-ENOMEM", r[10]); // the hole is in the third window
        Assert.Equal("-EINVAL", r[11]);
        Assert.Equal("-ENOMEM", r[12]); // beyond the user limit: refused before the vector
        Assert.Equal("ok", r[13]);
        Assert.Equal("SKIP(mincore result longer than 16777216 pages)", r[14]);
        Assert.Equal("0", r[15]);
        Assert.Equal("-ENOMEM", r[16]); // a hole after 2^24 pages is still found
    }
}
