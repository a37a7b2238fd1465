namespace Madvise.Scenarios;

/// <summary>
/// A target cannot take a file's <c>config</c> step: the configuration cannot be represented
/// (<c>swap=0xffffffffffffffff</c>) or this machine cannot afford it. The runner stops the file at
/// that step (<see cref="ScenarioReport.ConfigError"/>) and the tools report it as a config error.
/// </summary>
public sealed class ScenarioConfigException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> says what is wrong with which key.</summary>
    public ScenarioConfigException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the error that made the configuration impossible.</summary>
    public ScenarioConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
