using System.Text.Json;
using System.Text.RegularExpressions;
using Madvise.Cli;
using Madvise.Replay.Tests.Shared;

namespace Madvise.Replay.Tests.Cli;

/// <summary><c>madv replay --json</c>: the madv-replay/1 schema as the README documents it.</summary>
public sealed partial class ReplayJsonSchemaTests : IDisposable
{
    /// <summary>Objects whose keys are data (reasons, call names, problems, the machine's header fields), not schema.</summary>
    private static readonly string[] DataKeyed = ["unjudged_by_reason", "calls_by_name", "unusable_by_problem", "machine"];

    private readonly string _dir = Directory.CreateTempSubdirectory("madv-replay-json-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TopLevel_CarriesTheTotalsAndTheDifferences()
    {
        using var doc = Replay(RepoPaths.Trace("formats/ff.log.16633"));
        var root = doc.RootElement;
        Assert.Equal("madv-replay/1", root.GetProperty("schema").GetString());
        foreach (var name in new[] { "calls", "judged", "matched", "differed", "unjudged" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(name).ValueKind);
        }

        Assert.Equal(root.GetProperty("judged").GetInt64(), root.GetProperty("matched").GetInt64() + root.GetProperty("differed").GetInt64());
        Assert.Equal(root.GetProperty("calls").GetInt64(), root.GetProperty("judged").GetInt64() + root.GetProperty("unjudged").GetInt64());

        // The one difference of this file (its child's kill is in the other -ff file), at the top and in its program.
        var difference = Assert.Single(root.GetProperty("differences").EnumerateArray());
        Assert.Equal(1, root.GetProperty("differed").GetInt64());
        Assert.Equal(36, difference.GetProperty("line").GetInt64());
        Assert.Equal("-1 ESRCH", difference.GetProperty("logged").GetString());
        Assert.Equal("65536", difference.GetProperty("ours").GetString());
        Assert.Contains(" process_madvise(6, [{iov_base=0x7ffff7d92000, ", difference.GetProperty("call").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, difference.GetProperty("program").ValueKind);
        var program = Assert.Single(root.GetProperty("programs").EnumerateArray(), p => p.GetProperty("differed").GetInt64() == 1);
        Assert.Equal(36, Assert.Single(program.GetProperty("differences").EnumerateArray()).GetProperty("line").GetInt64());

        // The totals are the sums over the programs.
        foreach (var name in new[] { "calls", "judged", "matched", "differed", "unjudged" })
        {
            Assert.Equal(root.GetProperty(name).GetInt64(), root.GetProperty("programs").EnumerateArray().Sum(p => p.GetProperty(name).GetInt64()));
        }
    }

    /// <summary>Every key the replay writes is in the README's schema section (a key added without documenting it fails here).</summary>
    [Fact]
    public void EveryKeyWritten_IsDocumentedInTheReadme()
    {
        using var doc = Replay(RepoPaths.Trace("redis/redis-bench.log"), "--runs", "2");
        var written = new SortedSet<string>(StringComparer.Ordinal);
        Collect(doc.RootElement, written);
        Assert.Contains("advice_time_ratio", written);
        Assert.Contains("by_advice", written);
        Assert.Contains("unusable_examples", written);

        var readme = File.ReadAllText(RepoPaths.Readme);
        var start = readme.IndexOf("### `--json FILE` (schema `madv-replay/1`)", StringComparison.Ordinal);
        Assert.True(start >= 0, "the README has no madv-replay/1 section");
        var end = readme.IndexOf("\n## ", start, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        var documented = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match code in CodeSpan().Matches(section))
        {
            foreach (Match word in Identifier().Matches(code.Value))
            {
                documented.Add(word.Value);
            }
        }

        var undocumented = written.Where(k => !documented.Contains(k)).ToList();
        Assert.True(undocumented.Count == 0, "written but not in the README: " + string.Join(", ", undocumented));
    }

    private static void Collect(JsonElement element, SortedSet<string> keys)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    keys.Add(property.Name);
                    if (!DataKeyed.Contains(property.Name))
                    {
                        Collect(property.Value, keys);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, keys);
                }

                break;
        }
    }

    private JsonDocument Replay(string log, params string[] options)
    {
        var json = Path.Combine(_dir, Path.GetFileName(log) + ".json");
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(["replay", log, "--profile", "PerRangeLock", "--profile", "BatchedLock", "--json", json, .. options], Program.CreateTargets(), output, error);
        Assert.True(code is 0 or 1, error.ToString());
        return JsonDocument.Parse(File.ReadAllText(json));
    }

    [GeneratedRegex("`[^`]+`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex("[a-z][a-z0-9_]*")]
    private static partial Regex Identifier();
}
