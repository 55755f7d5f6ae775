using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>Exported .npy files are loaded by numpy (an independent reader) and compared with the fixtures' .fvecs references.</summary>
public class ExportTests
{
    private static string Run(string script) => Python.Run(script, TestPaths.NewTempDirectory());

    [Theory]
    [InlineData("siftsmall-queries-v21", "siftsmall_queries.fvecs", "float32", false)]
    [InlineData("bc0010-flat-uint8-parts-v21", "siftmicro_base.fvecs", "uint8", false)]
    [InlineData("bc0100-flat-float32-vectors-v22", "siftmicro_base.fvecs", "float32", true)]
    public void ExportedMatrix_EqualsReferenceVectors(string fixture, string fvecs, string dtype, bool nonEmptyOnly)
    {
        string output = Path.Combine(TestPaths.NewTempDirectory(), "out.npy");
        var shape = TileDbExport.ToNpy(TestPaths.ConformanceFile("tiledb", fixture), null, output, nonEmptyOnly);
        Assert.Equal([128L, 100], shape);
        string expected = TestPaths.ConformanceFile("tiledb", "_expected", fvecs);
        string result = Run($"""
            import numpy as np
            a = np.load(r'{output}')
            raw = np.fromfile(r'{expected}', dtype='<i4')
            d = raw[0]
            vectors = raw.reshape(-1, d + 1)[:, 1:].view('<f4')[:100]
            assert a.dtype == np.dtype('{dtype}'), a.dtype
            assert a.shape == (128, 100), a.shape
            assert np.array_equal(a.astype('f4'), vectors.T), 'values differ'
            print('ok')
            """);
        Assert.Equal("ok", result.Trim());
    }

    [Fact]
    public void ExportOneDimensionalInt64_WithEmptyAttributeName()
    {
        string output = Path.Combine(TestPaths.NewTempDirectory(), "soma.npy");
        TileDbExport.ToNpy(TestPaths.ConformanceFile("tiledb", "soma-uint64-int64-10cells-v10"), "", output);
        string result = Run($"import numpy as np\na = np.load(r'{output}')\nprint(a.dtype, a.tolist())");
        Assert.Equal("int64 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", result.Trim());
    }
}
