using System.Globalization;
using Resif.Gpu.Cli.Internal;
using Resif.Gpu.Core;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

/// <summary>Large-N miniSEED with station coordinates from StationXML or CSV (issue 8).</summary>
public sealed class StationTests : IDisposable
{
    private const string Mseed = "etna_9n_3chan_10s.mseed";

    // The three traces of the conformance file, placed ~1-3 km apart on Etna's flank (made up for the test).
    private static readonly (string Id, double Latitude, double Longitude, double Elevation)[] Stations =
    [
        ("9N.00066..HSF", 37.7512, 14.9934, 1850.0),
        ("9N.00067..HSF", 37.7601, 15.0127, 2105.5),
        ("9N.00068..HSF", 37.7389, 15.0211, 1702.25),
    ];

    private readonly string _dir = TestPaths.NewTempDirectory("resif-stations");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// StationXML with what real files have: a namespace, an older epoch of 00066 elsewhere (must not be used for data
    /// of 2018), channel-level coordinates for 00066 and 00067, station-level only for 00068, and an extra station.
    /// </summary>
    private string WriteStationXml(bool withoutLast = false)
    {
        string Channel(string code, double lat, double lon, double elev) =>
            $"""<Channel code="HSF" locationCode="" startDate="2018-01-01T00:00:00"><Latitude>{Number(lat)}</Latitude><Longitude>{Number(lon)}</Longitude><Elevation>{Number(elev)}</Elevation></Channel>""";
        var (a, b, c) = (Stations[0], Stations[1], Stations[2]);
        string xml = $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1" schemaVersion="1.1">
              <Source>test</Source>
              <Network code="9N">
                <Station code="00066" startDate="2010-01-01T00:00:00" endDate="2017-12-31T23:59:59">
                  <Latitude>10</Latitude><Longitude>10</Longitude><Elevation>0</Elevation>
                  <Channel code="HSF" locationCode="" startDate="2010-01-01T00:00:00" endDate="2017-12-31T23:59:59"><Latitude>10</Latitude><Longitude>10</Longitude><Elevation>0</Elevation></Channel>
                </Station>
                <Station code="00066" startDate="2018-01-01T00:00:00">
                  <Latitude>37.75</Latitude><Longitude>14.99</Longitude><Elevation>1800</Elevation>
                  {Channel("HSF", a.Latitude, a.Longitude, a.Elevation)}
                </Station>
                <Station code="00067" startDate="2018-01-01T00:00:00">
                  <Latitude>37.76</Latitude><Longitude>15.01</Longitude><Elevation>2100</Elevation>
                  {Channel("HSF", b.Latitude, b.Longitude, b.Elevation)}
                </Station>
                {(withoutLast ? "" : $"""<Station code="00068"><Latitude>{Number(c.Latitude)}</Latitude><Longitude>{Number(c.Longitude)}</Longitude><Elevation>{Number(c.Elevation)}</Elevation></Station>""")}
                <Station code="00099"><Latitude>37.8</Latitude><Longitude>15.1</Longitude><Elevation>900</Elevation></Station>
              </Network>
            </FDSNStationXML>
            """;
        string path = Path.Combine(_dir, withoutLast ? "partial.xml" : "stations.xml");
        File.WriteAllText(path, xml);
        return path;
    }

    private static DasFileInfo MseedInfo() => DasFormats.Detect(Expected.PathOf(Mseed)).Scan(Expected.PathOf(Mseed));

    /// <summary>
    /// Independent reference: WGS84 geodetic → ECEF → local east/north (km) at the mean latitude/longitude, in NumPy.
    /// ObsPy's projection is a different (flat, per-arc-minute) formula; over a few km the two agree to ~2e-4 of the
    /// aperture (checked at latitudes 0-70°), so 1e-3 of the aperture catches a wrong axis, sign, scale or origin.
    /// </summary>
    private (double[] East, double[] North) TangentPlaneKm()
    {
        string lats = string.Join(",", Stations.Select(s => Number(s.Latitude))), lons = string.Join(",", Stations.Select(s => Number(s.Longitude)));
        string output = Python.Run($$"""
            import numpy as np
            lat = np.radians([{{lats}}]); lon = np.radians([{{lons}}])
            lat0, lon0 = np.radians(np.degrees(lat).mean()), np.radians(np.degrees(lon).mean())
            a, f = 6378.137, 1 / 298.257223563
            e2 = f * (2 - f)
            def ecef(la, lo):
                n = a / np.sqrt(1 - e2 * np.sin(la) ** 2)
                return np.array([n * np.cos(la) * np.cos(lo), n * np.cos(la) * np.sin(lo), n * (1 - e2) * np.sin(la)])
            d = ecef(lat, lon) - ecef(lat0, lon0)[:, None]
            east = -np.sin(lon0) * d[0] + np.cos(lon0) * d[1]
            north = -np.sin(lat0) * np.cos(lon0) * d[0] - np.sin(lat0) * np.sin(lon0) * d[1] + np.cos(lat0) * d[2]
            print(";".join(repr(float(v)) for v in east))
            print(";".join(repr(float(v)) for v in north))
            """, _dir);
        string[] lines = output.Trim().Split('\n');
        return (StationGeometry.Parse(lines[0].Trim()), StationGeometry.Parse(lines[1].Trim()));
    }

    private void AssertGeometry(IReadOnlyDictionary<string, string> metadata)
    {
        Assert.Equal(Stations.Select(s => s.Latitude), StationGeometry.Parse(metadata[StationGeometry.LatitudeKey]));
        Assert.Equal(Stations.Select(s => s.Longitude), StationGeometry.Parse(metadata[StationGeometry.LongitudeKey]));
        Assert.Equal(Stations.Select(s => s.Elevation), StationGeometry.Parse(metadata[StationGeometry.ElevationKey]));
        var (east, north) = TangentPlaneKm();
        double aperture = east.Zip(north, Math.Max).Max() - east.Zip(north, Math.Min).Min();
        Assert.All(east.Zip(StationGeometry.Parse(metadata[StationGeometry.EastKey])), p => Assert.Equal(p.First, p.Second, 1e-3 * aperture));
        Assert.All(north.Zip(StationGeometry.Parse(metadata[StationGeometry.NorthKey])), p => Assert.Equal(p.First, p.Second, 1e-3 * aperture));
    }

    [Fact]
    public void StationXmlGivesEachTraceItsChannelOrStationCoordinatesForTheDataEpoch()
    {
        var info = MseedInfo();
        Assert.Equal(Stations.Select(s => s.Id), info.Distance.Labels);

        var metadata = StationGeometry.Metadata(info.Distance.Labels!, StationTable.Load(WriteStationXml()), info.TimeOrigin);

        AssertGeometry(metadata);
        Assert.Equal("stations.xml", metadata[StationGeometry.SourceKey]);
    }

    [Fact]
    public void CsvGivesTheSameGeometry()
    {
        string path = Path.Combine(_dir, "stations.csv");
        File.WriteAllLines(path, [
            "network,station,location,channel,latitude,longitude,elevation",
            "# 00068 only station-wide: its channels take these coordinates",
            .. Stations.Select(s => s.Id.Split('.')).Zip(Stations, (id, s) => id[1] == "00068"
                ? $"{id[0]},{id[1]},,,{Number(s.Latitude)},{Number(s.Longitude)},{Number(s.Elevation)}"
                : $"{id[0]},{id[1]},--,{id[3]},{Number(s.Latitude)},{Number(s.Longitude)},{Number(s.Elevation)}"),
        ]);
        var info = MseedInfo();

        AssertGeometry(StationGeometry.Metadata(info.Distance.Labels!, StationTable.Load(path), info.TimeOrigin));
    }

    [Fact]
    public void AStationMissingFromTheFileIsNamed()
    {
        var info = MseedInfo();
        var e = Assert.Throws<InvalidRequestException>(() => StationGeometry.Metadata(info.Distance.Labels!, StationTable.Load(WriteStationXml(withoutLast: true)), info.TimeOrigin));
        Assert.Equal("stations", e.Field);
        Assert.Contains("9N.00068", e.Message);
        Assert.Contains("partial.xml", e.Message);
        // A station whose only epoch ended before the data is reported as such, not silently placed.
        var old = StationTable.ParseStationXml("""<FDSNStationXML><Network code="9N"><Station code="00066" endDate="2017-01-01"><Latitude>1</Latitude><Longitude>1</Longitude><Elevation>0</Elevation></Station></Network></FDSNStationXML>""", "old.xml");
        Assert.Contains("no epoch covering", Assert.Throws<InvalidRequestException>(() => old.Locate("9N.00066..HSF", info.TimeOrigin)).Message);
    }

    [Fact]
    public void DamagedStationFilesAreRefusedNamingTheFile()
    {
        Assert.Contains("bad.xml", Assert.Throws<InvalidDataException>(() => StationTable.ParseStationXml("<FDSNStationXML><Network", "bad.xml")).Message);
        Assert.Contains("bad.csv:1", Assert.Throws<InvalidDataException>(() => StationTable.ParseCsv("9N,00066,,HSF,north,15,0", "bad.csv")).Message);
        Assert.Contains("bad.csv:1", Assert.Throws<InvalidDataException>(() => StationTable.ParseCsv("9N,00066,HSF,37,15,0", "bad.csv")).Message);
    }

    [Fact]
    public async Task IngestWithStationsStoresTheGeometryArraybeamTakes()
    {
        string store = Path.Combine(_dir, "store");
        using var output = new StringWriter();
        using var error = new StringWriter();

        int status = await CliApp.RunAsync(["ingest", Expected.PathOf(Mseed), "--store", store, "--name", "etna", "--stations", WriteStationXml()], output, error);

        Assert.True(status == 0, error.ToString());
        var info = new ArrayStore(store).Describe("etna");
        Assert.Equal(3, info.Layout.Shape[0]);
        AssertGeometry(info.Metadata);
        // The stored lists are arraybeam's own parameter form: the operation is built from them as they are.
        var parameters = new Dictionary<string, string>
        {
            ["x_km"] = info.Metadata[StationGeometry.EastKey], ["y_km"] = info.Metadata[StationGeometry.NorthKey], ["win_len"] = "2",
            ["sll_x"] = "-3", ["slm_x"] = "3", ["sll_y"] = "-3", ["slm_y"] = "3", ["sl_s"] = "0.1", ["frqlow"] = "1", ["frqhigh"] = "8",
        };
        Assert.NotNull(Core.Operations.OperationRegistry.Default.Create(new Core.Operations.OperationRequest("arraybeam", parameters), 0));

        // A station missing from the file: the command fails naming it, and nothing is stored.
        int missing = await CliApp.RunAsync(["ingest", Expected.PathOf(Mseed), "--store", store, "--name", "etna2", "--stations", WriteStationXml(withoutLast: true)], output, error);
        Assert.NotEqual(0, missing);
        Assert.Contains("9N.00068", error.ToString());
        Assert.DoesNotContain("etna2", new ArrayStore(store).List());
    }
}
