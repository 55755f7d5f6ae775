using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Resif.Gpu.Core;

namespace Resif.Gpu.Ingest;

/// <summary>Where a station (or one of its channels) stands: degrees north and east (WGS84), metres above sea level.</summary>
public sealed record StationLocation(double Latitude, double Longitude, double Elevation);

/// <summary>
/// Station coordinates for a Large-N miniSEED network, from a FDSN StationXML file (Network/Station/Channel
/// Latitude, Longitude, Elevation; channel coordinates win over their station's; epochs chosen by the data's start
/// time) or a CSV file <c>network,station,location,channel,latitude,longitude,elevation</c> (header line and '#'
/// comments allowed; empty location and channel give a station-wide row; "--" is the empty location code).
/// </summary>
public sealed class StationTable
{
    private readonly List<Entry> _entries;

    private StationTable(string source, List<Entry> entries)
    {
        Source = source;
        _entries = entries;
    }

    /// <summary>One epoch of a station (Channel null) or of one channel.</summary>
    private sealed record Entry(string Network, string Station, string? Location, string? Channel, DateTimeOffset? Start, DateTimeOffset? End,
        StationLocation Where)
    {
        public bool Covers(DateTimeOffset at) => (Start is null || Start <= at) && (End is null || at < End);
    }

    /// <summary>The file the table came from (for messages).</summary>
    public string Source { get; }

    public int Count => _entries.Count;

    /// <summary>Reads StationXML (the file starts with '&lt;') or CSV. A damaged file raises <see cref="InvalidDataException"/> naming it.</summary>
    public static StationTable Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidRequestException("stations", $"'{path}' does not exist");
        string text = File.ReadAllText(path);
        string name = Path.GetFileName(path);
        return text.TrimStart().StartsWith('<') ? ParseStationXml(text, name) : ParseCsv(text, name);
    }

    public static StationTable ParseStationXml(string xml, string source)
    {
        XDocument document;
        try
        {
            document = XDocument.Parse(xml);
        }
        catch (XmlException e)
        {
            throw new InvalidDataException($"{source}: not valid XML ({e.Message})");
        }
        var entries = new List<Entry>();
        foreach (var network in document.Descendants().Where(e => e.Name.LocalName == "Network"))
        {
            string net = Code(network, source);
            foreach (var station in network.Elements().Where(e => e.Name.LocalName == "Station"))
            {
                string sta = Code(station, source);
                entries.Add(new Entry(net, sta, null, null, Date(station, "startDate", source), Date(station, "endDate", source), Where(station, $"{net}.{sta}", source)));
                foreach (var channel in station.Elements().Where(e => e.Name.LocalName == "Channel"))
                {
                    string location = ((string?)channel.Attribute("locationCode") ?? "").Trim();
                    string id = $"{net}.{sta}.{location}.{Code(channel, source)}";
                    entries.Add(new Entry(net, sta, location, Code(channel, source), Date(channel, "startDate", source), Date(channel, "endDate", source),
                        Where(channel, id, source)));
                }
            }
        }
        if (entries.Count == 0) throw new InvalidDataException($"{source}: no Network/Station elements (is it FDSN StationXML?)");
        return new StationTable(source, entries);
    }

    public static StationTable ParseCsv(string text, string source)
    {
        var entries = new List<Entry>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            string[] fields = line.Split(',').Select(f => f.Trim()).ToArray();
            if (fields.Length != 7) throw new InvalidDataException($"{source}:{i + 1}: {fields.Length} columns, expected network,station,location,channel,latitude,longitude,elevation");
            bool numeric = double.TryParse(fields[4], NumberStyles.Float, CultureInfo.InvariantCulture, out double latitude);
            if (!numeric && entries.Count == 0 && fields[4].Equals("latitude", StringComparison.OrdinalIgnoreCase)) continue; // the header line
            if (!numeric || !double.TryParse(fields[5], NumberStyles.Float, CultureInfo.InvariantCulture, out double longitude)
                || !double.TryParse(fields[6], NumberStyles.Float, CultureInfo.InvariantCulture, out double elevation))
                throw new InvalidDataException($"{source}:{i + 1}: latitude, longitude and elevation must be numbers");
            string location = fields[2] == "--" ? "" : fields[2];
            bool stationWide = location.Length == 0 && fields[3].Length == 0;
            entries.Add(new Entry(fields[0], fields[1], stationWide ? null : location, stationWide ? null : fields[3], null, null,
                Checked(new StationLocation(latitude, longitude, elevation), $"{source}:{i + 1}")));
        }
        if (entries.Count == 0) throw new InvalidDataException($"{source}: no station rows");
        return new StationTable(source, entries);
    }

    /// <summary>
    /// The location of trace <paramref name="id"/> (NET.STA.LOC.CHA) at time <paramref name="at"/>: its channel's
    /// coordinates, else its station's. A trace the table does not hold is an <see cref="InvalidRequestException"/>
    /// on field "stations" naming it.
    /// </summary>
    public StationLocation Locate(string id, DateTimeOffset at)
    {
        string[] parts = id.Split('.');
        if (parts.Length != 4) throw new InvalidRequestException("stations", $"trace '{id}' is not NET.STA.LOC.CHA");
        var sameStation = _entries.Where(e => e.Network == parts[0] && e.Station == parts[1]).ToList();
        var match = sameStation.FirstOrDefault(e => e.Channel == parts[3] && e.Location == parts[2] && e.Covers(at))
            ?? sameStation.FirstOrDefault(e => e.Channel is null && e.Covers(at));
        if (match is not null) return match.Where;
        string why = sameStation.Count == 0 ? "is not in" : "has no epoch covering " + at.ToString("O", CultureInfo.InvariantCulture) + " in";
        throw new InvalidRequestException("stations", $"station {parts[0]}.{parts[1]} of trace {id} {why} {Source}");
    }

    private static string Code(XElement element, string source) =>
        ((string?)element.Attribute("code"))?.Trim() is { Length: > 0 } code ? code
            : throw new InvalidDataException($"{source}: a {element.Name.LocalName} element has no code");

    private static DateTimeOffset? Date(XElement element, string attribute, string source)
    {
        string? text = (string?)element.Attribute(attribute);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date
            : throw new InvalidDataException($"{source}: {element.Name.LocalName} {(string?)element.Attribute("code")} has {attribute} '{text}', not a date");
    }

    private static StationLocation Where(XElement element, string id, string source)
    {
        double Number(string name)
        {
            var child = element.Elements().FirstOrDefault(e => e.Name.LocalName == name)
                ?? throw new InvalidDataException($"{source}: {id} has no {name}");
            return double.TryParse(child.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value
                : throw new InvalidDataException($"{source}: {id} {name} '{child.Value}' is not a number");
        }
        return Checked(new StationLocation(Number("Latitude"), Number("Longitude"), Number("Elevation")), $"{source}: {id}");
    }

    private static StationLocation Checked(StationLocation where, string what) =>
        where.Latitude is >= -90 and <= 90 && where.Longitude is >= -180 and <= 360 && double.IsFinite(where.Elevation) ? where
            : throw new InvalidDataException($"{what}: latitude {where.Latitude} / longitude {where.Longitude} out of range");
}
