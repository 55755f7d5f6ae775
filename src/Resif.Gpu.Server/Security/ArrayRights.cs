namespace Resif.Gpu.Server.Security;

/// <summary>What a user may do with an array. <see cref="Admin"/> implies every other right.</summary>
[Flags]
public enum ArrayRights
{
    None = 0,

    /// <summary>See the array: listed, described. Without it the array does not exist for the user.</summary>
    Read = 1,

    /// <summary>Run reductions on it.</summary>
    Reduce = 2,

    /// <summary>Write new data into it (the Ingest RPC).</summary>
    Ingest = 4,

    Admin = 8,

    All = Read | Reduce | Ingest | Admin,
}
