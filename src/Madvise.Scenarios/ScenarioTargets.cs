using System.Diagnostics.CodeAnalysis;

namespace Madvise.Scenarios;

/// <summary>
/// The targets a tool can run scenarios on, by name (<c>sim</c>, <c>host</c>): a factory per
/// name, since every file runs on a fresh target.
/// </summary>
/// <remarks>Filled once at start-up (the CLI's Program does it); not meant to change while scenarios run.</remarks>
public sealed class ScenarioTargets
{
    /// <summary>The name of the simulated-kernel target.</summary>
    public const string Sim = "sim";

    /// <summary>The name of the host-kernel target.</summary>
    public const string Host = "host";

    /// <summary>Target name → factory of a fresh target.</summary>
    private readonly Dictionary<string, Func<IScenarioTarget>> _factories = new(StringComparer.Ordinal);

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            var names = new List<string>(_factories.Keys);
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    /// <summary>Registers (or replaces) the factory of <paramref name="name"/>.</summary>
    public ScenarioTargets Register(string name, Func<IScenarioTarget> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[name] = factory;
        return this;
    }

    /// <summary>Null when <paramref name="name"/> is registered, else a message for the user saying it is not.</summary>
    public string? Unavailable(string name)
    {
        if (_factories.ContainsKey(name))
        {
            return null;
        }

        var names = Names;
        return $"target '{name}' is not available in this build (available: {(names.Count == 0 ? "none" : string.Join(", ", names))})";
    }

    /// <summary>Creates a fresh target.</summary>
    /// <returns>False with a message for the user when the name is not registered or the factory fails.</returns>
    public bool TryCreate(string name, [NotNullWhen(true)] out IScenarioTarget? target, [NotNullWhen(false)] out string? error)
    {
        target = null;
        if (!_factories.TryGetValue(name, out var factory))
        {
            error = Unavailable(name)!;
            return false;
        }

        try
        {
            target = factory();
        }
#pragma warning disable CA1031 // A factory that cannot start (e.g. no process_madvise on this kernel) is reported to the user.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = $"target '{name}' cannot start: {ex.Message}";
            return false;
        }

        error = null;
        return true;
    }
}
