namespace Resif.Gpu.Core.Internal;

/// <summary>Small dense linear algebra for the station beamformer (matrices of a few tens of stations).</summary>
internal static class SpectralLinearAlgebra
{
    /// <summary>
    /// Moore–Penrose pseudo-inverse of an n×n Hermitian matrix (split re/im, row-major) in place, like
    /// <c>numpy.linalg.pinv(a, rcond)</c>: singular values at or below rcond × the largest are treated as zero.
    /// Works on the real symmetric 2n×2n form [[A, −B], [B, A]] of A + iB, whose pseudo-inverse is
    /// [[P, −Q], [Q, P]] for (A + iB)⁺ = P + iQ, with a cyclic Jacobi eigen-decomposition.
    /// </summary>
    public static void HermitianPseudoInverse(double[] re, double[] im, int n, double rcond)
    {
        int m = 2 * n;
        var a = new double[m * m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                a[i * m + j] = a[(i + n) * m + j + n] = re[i * n + j];
                a[(i + n) * m + j] = im[i * n + j];
                a[i * m + j + n] = -im[i * n + j];
            }
        }
        var vectors = new double[m * m];
        for (int i = 0; i < m; i++) vectors[i * m + i] = 1;
        JacobiEigen(a, vectors, m);

        double largest = 0;
        for (int k = 0; k < m; k++) largest = Math.Max(largest, Math.Abs(a[k * m + k]));
        double cutoff = rcond * largest;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double p = 0, q = 0;
                for (int k = 0; k < m; k++)
                {
                    double lambda = a[k * m + k];
                    if (Math.Abs(lambda) <= cutoff) continue;
                    p += vectors[i * m + k] * vectors[j * m + k] / lambda;
                    q += vectors[(i + n) * m + k] * vectors[j * m + k] / lambda;
                }
                re[i * n + j] = p;
                im[i * n + j] = q;
            }
        }
    }

    /// <summary>Diagonalises the symmetric m×m matrix <paramref name="a"/> in place; eigenvectors accumulate in the columns of <paramref name="v"/>.</summary>
    private static void JacobiEigen(double[] a, double[] v, int m)
    {
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, diagonal = 0;
            for (int i = 0; i < m; i++)
            {
                diagonal += a[i * m + i] * a[i * m + i];
                for (int j = i + 1; j < m; j++) off += a[i * m + j] * a[i * m + j];
            }
            if (off <= 1e-32 * diagonal || off == 0) return;
            for (int p = 0; p < m - 1; p++)
            {
                for (int q = p + 1; q < m; q++)
                {
                    double apq = a[p * m + q];
                    if (apq == 0) continue;
                    double theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    Rotate(a, m, p, q, c, s, columns: true);
                    Rotate(a, m, p, q, c, s, columns: false);
                    Rotate(v, m, p, q, c, s, columns: true);
                }
            }
        }
    }

    // Columns: X ← X·J; rows: X ← Jᵀ·X; J the plane rotation with J[p,p] = J[q,q] = c, J[p,q] = s, J[q,p] = −s.
    private static void Rotate(double[] x, int m, int p, int q, double c, double s, bool columns)
    {
        for (int k = 0; k < m; k++)
        {
            int kp = columns ? k * m + p : p * m + k, kq = columns ? k * m + q : q * m + k;
            double xp = x[kp], xq = x[kq];
            x[kp] = c * xp - s * xq;
            x[kq] = s * xp + c * xq;
        }
    }
}
