using System.Collections.Frozen;

namespace Madvise.Scenarios.Steps;

/// <summary>Parses the arguments of one step; <paramref name="tokens"/>[0] is its keyword.</summary>
internal delegate Step StepParser(ScenarioParser parser, List<ScenarioToken> tokens);

/// <summary>Every step keyword of the language and the step that parses it: the one list of steps.</summary>
internal static class StepTable
{
    /// <summary>Keyword (lower case) → parser.</summary>
    public static readonly FrozenDictionary<string, StepParser> Parsers = new Dictionary<string, StepParser>(StringComparer.Ordinal)
    {
        ["config"] = ConfigStep.Parse,
        ["mmap"] = MmapStep.Parse,
        ["munmap"] = MunmapStep.Parse,
        ["mprotect"] = MprotectStep.Parse,
        ["mlock"] = MlockStep.Parse,
        ["munlock"] = MunlockStep.Parse,
        ["madvise"] = MadviseStep.Parse,
        ["pmadvise"] = PmadviseStep.Parse,
        ["write"] = WriteStep.Parse,
        ["read"] = ReadStep.Parse,
        ["mincore"] = MincoreStep.Parse,
        ["vmas"] = VmasStep.Parse,
        ["smaps"] = SmapsStep.Parse,
        ["file"] = FileStep.Parse,
        ["pidfd"] = PidfdStep.Parse,
        ["task"] = TaskStep.Parse,
        ["fork"] = ForkStep.Parse,
        ["exit"] = ExitStep.Parse,
        ["setuid"] = SetUidStep.Parse,
        ["dropcap"] = DropCapStep.Parse,
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
