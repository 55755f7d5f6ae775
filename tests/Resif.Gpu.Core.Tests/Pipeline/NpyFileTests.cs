using Resif.Gpu.Core;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Pipeline;

public class NpyFileTests
{
    [Fact]
    public void NumPy_reads_what_we_write_and_we_read_what_NumPy_writes()
    {
        string dir = TestPaths.NewTempDirectory();
        try
        {
            var values = Enumerable.Range(0, 6 * 7).Select(i => i * 0.5f - 3).ToArray();
            NpyFile.Write(Path.Combine(dir, "ours.npy"), [6, 7], values);
            Python.Run("""
                import numpy as np
                a = np.load('ours.npy')
                assert a.dtype == np.float32 and a.shape == (6, 7), (a.dtype, a.shape)
                assert np.array_equal(a.ravel(), np.arange(42, dtype=np.float32) * 0.5 - 3)
                np.save('theirs.npy', (a * 2).astype(np.complex64))
                """, dir);
            var (shape, type, read) = NpyFile.Read(Path.Combine(dir, "theirs.npy"));
            Assert.Equal([6L, 7L], shape);
            Assert.Equal(ElementType.Complex64, type);
            Assert.Equal(values[5] * 2, read[10]);
            Assert.Equal(0f, read[11]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Unsupported_dtypes_are_refused_with_a_clear_message()
    {
        string dir = TestPaths.NewTempDirectory();
        try
        {
            Python.Run("import numpy as np\nnp.save('i.npy', np.arange(4, dtype=np.int64))\n", dir);
            var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(Path.Combine(dir, "i.npy")));
            Assert.Contains("<i8", error.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
