namespace Madvise.Scenarios.Steps;

/// <summary><c>config KEY=VALUE ...</c>: kernel configuration; only before every other step.</summary>
/// <param name="Config">The keys given (null for keys not given).</param>
public sealed record ConfigStep(ScenarioConfig Config) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "config";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        if (tokens.Count < 2)
        {
            throw parser.Error(tokens[0].Column, "config KEY=VALUE ... expected");
        }

        ulong? swap = null;
        bool? memoryFailure = null;
        bool? ksm = null;
        ThpMode? thp = null;
        var text = new List<string> { "config" };
        for (var i = 1; i < tokens.Count; i++)
        {
            var t = tokens[i];
            var (key, value, valueColumn) = parser.ParseOption(t, "KEY=VALUE expected");
            var lower = value.ToLowerInvariant();
            switch (key)
            {
                case "swap":
                    swap = parser.ParseSize(value, valueColumn);
                    text.Add("swap=" + value);
                    continue;
                case "memory_failure":
                    memoryFailure = ParseOnOff(parser, key, lower, valueColumn);
                    break;
                case "ksm":
                    ksm = ParseOnOff(parser, key, lower, valueColumn);
                    break;
                case "thp":
                    thp = lower switch
                    {
                        "always" => ThpMode.Always,
                        "madvise" => ThpMode.Madvise,
                        "never" => ThpMode.Never,
                        _ => throw parser.Error(valueColumn, "thp must be always, madvise or never"),
                    };
                    break;
                default:
                    throw parser.Error(t.Column, $"unknown config key {PrintableText.Quote(key)}");
            }

            text.Add(key + "=" + lower);
        }

        return new ConfigStep(new ScenarioConfig(swap, memoryFailure, thp, ksm)) { Text = string.Join(' ', text) };
    }

    /// <summary>Always prints <c>0</c>; a configuration the target cannot match makes every later step print <c>SKIP(config)</c>.</summary>
    internal override string Execute(ScenarioRunner runner)
    {
        runner.Configure(this);
        return "0";
    }

    private static bool ParseOnOff(ScenarioParser parser, string key, string value, int column) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw parser.Error(column, $"{key} must be on or off"),
    };
}
