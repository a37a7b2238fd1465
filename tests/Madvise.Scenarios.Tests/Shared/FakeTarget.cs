using System.Globalization;

namespace Madvise.Scenarios.Tests.Shared;

/// <summary>
/// A scripted, recording <see cref="IScenarioTarget"/>: every call is recorded as a line
/// <c>TASK OP ARGS</c> (numbers in hex), and its result comes from <see cref="Script"/>
/// (0 when the script has nothing to say).
/// </summary>
internal sealed class FakeTarget : IScenarioTarget
{
    /// <summary>Where the next mmap without a hint lands; each mapping takes its length rounded up to 16 pages.</summary>
    private ulong _nextAddress = 0x7f00_0000_0000;

    /// <summary>The tasks created, by name.</summary>
    private readonly Dictionary<string, FakeTask> _tasks = [];

    public FakeTarget(string name = "fake")
    {
        Name = name;
        Self = new FakeTask(this, "self");
    }

    public string Name { get; }

    public ITargetTask Self { get; }

    /// <summary>Every call made, in order.</summary>
    public List<string> Calls { get; } = [];

    /// <summary>Call line → result, or null for the default (0).</summary>
    public Func<string, long?> Script { get; set; } = _ => null;

    /// <summary>What <see cref="Configure"/> returns.</summary>
    public string? ConfigReason { get; set; }

    /// <summary>The config the runner passed, if any.</summary>
    public ScenarioConfig? ConfigSeen { get; private set; }

    /// <summary>Task name → failure string that <see cref="CreateTask"/>/<see cref="Fork"/> report instead of creating it.</summary>
    public Dictionary<string, string> CreationFailures { get; } = [];

    /// <summary>The byte every successful read returns.</summary>
    public byte ReadValue { get; set; }

    /// <summary>The mappings every successful <c>vmas</c> returns.</summary>
    public List<MappingInfo> Mappings { get; } = [];

    /// <summary>What every <c>smaps</c> call appends.</summary>
    public List<SmapsInfo> Smaps { get; } = [];

    /// <summary>(task, call line prefix) → how the task dies (<see cref="ITargetTask.CheckDeath"/>) during the first call, of any task, whose line (<c>TASK OP ARGS</c>) starts so; a call of the dying task itself returns -ESRCH.</summary>
    public Dictionary<(string Task, string Call), string> Deaths { get; } = [];

    /// <summary>True once the runner's owner disposed the target.</summary>
    public bool Disposed { get; private set; }

    public string? Configure(ScenarioConfig config)
    {
        ConfigSeen = config;
        Calls.Add("configure");
        return ConfigReason;
    }

    public ITargetTask? CreateTask(string name, out string? failure)
    {
        Calls.Add("task " + name);
        return Created(name, out failure);
    }

    public ITargetTask? Fork(ITargetTask parent, string name, out string? failure)
    {
        Calls.Add(parent.Name + " fork " + name);
        return Created(name, out failure);
    }

    public void Dispose() => Disposed = true;

    internal long Call(string line)
    {
        Calls.Add(line);
        foreach (var ((task, trigger), death) in Deaths)
        {
            if (line.StartsWith(trigger, StringComparison.Ordinal) && _tasks.TryGetValue(task, out var dying) && dying.Death is null)
            {
                dying.Die(death);
                if (line.StartsWith(task + " ", StringComparison.Ordinal))
                {
                    return -Errno.ESRCH;
                }
            }
        }

        return Script(line) ?? 0;
    }

    internal ulong Allocate(ulong length)
    {
        var address = _nextAddress;
        _nextAddress += (length + 0xFFFF) & ~0xFFFFUL;
        return address;
    }

    private FakeTask? Created(string name, out string? failure)
    {
        if (CreationFailures.TryGetValue(name, out failure))
        {
            return null;
        }

        var task = new FakeTask(this, name);
        _tasks[name] = task;
        return task;
    }

    internal static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
