namespace Madvise.Scenarios.Host;

/// <summary>
/// A descriptor a scenario step created (a file or a pidfd). It belongs to the task that
/// created it; another task naming it gets a duplicate, passed through the target's process
/// (see <see cref="HostScenarioTarget"/>).
/// </summary>
internal abstract class HostDescriptor
{
    /// <summary>Creates the record of descriptor <paramref name="id"/>.</summary>
    protected HostDescriptor(int id, string name, ITargetTask owner)
    {
        Id = id;
        Name = name;
        Owner = owner;
    }

    /// <summary>The target-wide id every task uses for this descriptor in the agent protocol.</summary>
    public int Id { get; }

    /// <summary>The scenario's name for it.</summary>
    public string Name { get; }

    /// <summary>The task whose step created it.</summary>
    public ITargetTask Owner { get; }
}
