using System.Text.Json;

namespace Madvise.Measurement.Reporting;

/// <summary>The header fields every JSON report of <c>madv</c> starts with.</summary>
public static class JsonHeader
{
    /// <summary>Writes schema, machine, start time, elapsed time, method and the partial flag.</summary>
    public static void Write(Utf8JsonWriter json, string schema, MachineInfo machine, DateTimeOffset startedUtc, TimeSpan elapsed, string method, bool partial)
    {
        json.WriteString("schema", schema);
        json.WriteStartObject("machine");
        json.WriteString("cpu", machine.Cpu);
        json.WriteNumber("cores", machine.Cores);
        json.WriteString("kernel", machine.Kernel);
        json.WriteString("runtime", machine.Runtime);
        json.WriteString("thp", machine.TransparentHugepages);
        if (machine.LoadAverage is { } load)
        {
            json.WriteNumber("load_average", load);
        }
        else
        {
            json.WriteNull("load_average");
        }

        json.WriteEndObject();
        json.WriteString("started_utc", startedUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("elapsed_s", Math.Round(elapsed.TotalSeconds, 3));
        json.WriteString("method", method);
        json.WriteBoolean("partial", partial);
    }

    /// <summary>Writes <paramref name="name"/>: the value, or null.</summary>
    public static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
