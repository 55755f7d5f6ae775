using System.Globalization;

namespace Resif.Gpu.Ingest;

/// <summary>
/// Per-station coordinates of a [station, time] array, kept in its metadata. Lists are ';'-separated in row order, the
/// form the <c>arraybeam</c> operation takes its geometry in: <c>arraybeam:x_km=META[station_x_km],y_km=META[station_y_km]</c>.
/// </summary>
public static class StationGeometry
{
    public const string LatitudeKey = "station_latitude", LongitudeKey = "station_longitude", ElevationKey = "station_elevation",
        EastKey = "station_x_km", NorthKey = "station_y_km", SourceKey = "stations_source";

    /// <summary>Equatorial radius (km) and inverse flattening of the ellipsoid ObsPy's <c>util_geo_km</c> uses.</summary>
    private const double EarthRadiusKm = 6378.163, InverseFlattening = 298.26;

    /// <summary>Ratio of geocentric to geodetic latitude tangents for that ellipsoid, (1 − f)².</summary>
    private const double GeocentricTangentRatio = 9.9330647e-1;

    /// <summary>Degrees to radians as written in that routine (7 digits), kept so positions agree with ObsPy's to the metre.</summary>
    private const double DegreeInRadians = 1.7453292e-2;

    /// <summary>The metadata entries for stations <paramref name="ids"/> (NET.STA.LOC.CHA, one per row) located in <paramref name="table"/> at <paramref name="at"/>.</summary>
    public static Dictionary<string, string> Metadata(IReadOnlyList<string> ids, StationTable table, DateTimeOffset at)
    {
        var locations = ids.Select(id => table.Locate(id, at)).ToList();
        var (east, north) = ToKilometres(locations);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [LatitudeKey] = Join(locations.Select(l => l.Latitude)),
            [LongitudeKey] = Join(locations.Select(l => l.Longitude)),
            [ElevationKey] = Join(locations.Select(l => l.Elevation)),
            [EastKey] = Join(east),
            [NorthKey] = Join(north),
            [SourceKey] = table.Source,
        };
    }

    /// <summary>
    /// Kilometres east and north of the stations' mean longitude and latitude, as ObsPy's <c>get_geometry(coordsys="lonlat")</c>
    /// computes them for <c>array_processing</c>: a local projection on an ellipsoid, scaled per arc-minute at the
    /// origin's latitude and by the cosine of the geocentric mid-latitude of each station.
    /// </summary>
    public static (double[] East, double[] North) ToKilometres(IReadOnlyList<StationLocation> stations)
    {
        double originLatitude = stations.Average(s => s.Latitude), originLongitude = stations.Average(s => s.Longitude);
        double ArcMinute(double degrees) => degrees * DegreeInRadians / 60;
        double Geocentric(double geodeticRadians) => Math.Atan(GeocentricTangentRatio * Math.Tan(geodeticRadians));

        double originMinutes = originLatitude * 60;
        double latitude0 = Geocentric(ArcMinute(originMinutes)), latitude1 = Geocentric(ArcMinute(originMinutes + 1));
        double radius = EarthRadiusKm * (1 - Math.Sin(latitude0) * Math.Sin(latitude0) / InverseFlattening);
        double kmPerLatitudeMinute = radius * (latitude1 - latitude0);
        double kmPerLongitudeMinute = radius * Math.Acos(1 - (1 - Math.Cos(ArcMinute(1))) * Math.Cos(latitude0) * Math.Cos(latitude0)) / Math.Cos(latitude0);

        var east = new double[stations.Count];
        var north = new double[stations.Count];
        for (int i = 0; i < stations.Count; i++)
        {
            double latitudeMinutes = stations[i].Latitude * 60;
            double midLatitude = Geocentric(ArcMinute((latitudeMinutes + originMinutes) / 2));
            east[i] = (stations[i].Longitude - originLongitude) * 60 * kmPerLongitudeMinute * Math.Cos(midLatitude);
            north[i] = (latitudeMinutes - originMinutes) * kmPerLatitudeMinute;
        }
        return (east, north);
    }

    /// <summary>Parses one of the ';'-separated lists back.</summary>
    public static double[] Parse(string list) => list.Split(';').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static string Join(IEnumerable<double> values) => string.Join(";", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
