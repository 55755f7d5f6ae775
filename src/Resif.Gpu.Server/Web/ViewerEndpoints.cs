using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Core;
using Resif.Gpu.Server.Internal;
using Resif.Gpu.Server.Security;
using Resif.Gpu.Server.Web.Internal;

namespace Resif.Gpu.Server.Web;

/// <summary>
/// The browser viewer: a static page (embedded in this assembly) and small HTTP/1.1 endpoints that call the same
/// planner and executor as gRPC Reduce. <c>GET /api/arrays</c> is the catalog, <c>GET /api/operations</c> the
/// operations and their parameters, <c>POST /api/view</c> a window reduced to the canvas (see <see cref="ViewRenderer"/>).
/// Errors answer JSON <c>{"field", "message"}</c> with 400/401/404/413/500.
/// </summary>
internal static class ViewerEndpoints
{
    /// <summary>
    /// Maps the page and its data endpoints. With a token file (<paramref name="access"/>) the data endpoints apply the
    /// same tokens and per-array rights as the gRPC services: arrays a user may not read are invisible (404).
    /// </summary>
    public static void Map(WebApplication app, AccessPolicy? access, Task<string> grpcUrl)
    {
        app.MapGet("/", () => ViewerAssets.Result("index.html"));
        app.MapGet("/assets/{name}", (string name) => ViewerAssets.Result(name));

        var api = app.MapGroup("/api").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (access is not null)
            {
                if (access.Authenticate(AccessPolicy.BearerToken(http.Request.Headers.Authorization.ToString())) is not { } user)
                    return Error(StatusCodes.Status401Unauthorized, "token", "this server needs a token: enter it at the top of the page");
                http.Items[UserKey] = user;
            }
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
            {
                return Failure(e, http);
            }
        });
        api.MapGet("/arrays", (HttpContext http, ReductionRunner runner) => Results.Json(runner.Store.List()
            .Where(n => UserOf(http)?.Has(n, ArrayRights.Read) ?? true)
            .Select(n => CatalogEntry(runner.Store.Describe(n)))));
        api.MapGet("/operations", (ReductionRunner runner) => Results.Json(runner.Registry.Descriptors.Select(d => new
        {
            name = d.Name,
            description = d.Description,
            parameters = d.Parameters.Select(p => new { name = p.Name, kind = p.Kind.ToString().ToLowerInvariant(), @default = p.Default, description = p.Description, choices = p.Choices }),
        })));
        api.MapPost("/view", async (HttpContext http, ReductionRunner runner) =>
        {
            JsonElement body;
            try
            {
                body = (await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted).ConfigureAwait(false)).RootElement;
            }
            catch (JsonException e)
            {
                throw new InvalidRequestException("body", $"not valid JSON ({e.Message})");
            }
            var view = ViewRequest.Parse(body);
            if (UserOf(http) is { } user)
            {
                if (!user.Has(view.Array, ArrayRights.Read)) throw new ArrayNotFoundException(view.Array);
                if (!user.Has(view.Array, ArrayRights.Reduce)) return Error(StatusCodes.Status403Forbidden, "array", $"no right to reduce '{view.Array}'");
            }
            var answer = await ViewRenderer.RenderAsync(runner, view, await grpcUrl.ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false);
            return Results.Bytes(answer, "application/octet-stream");
        });
    }

    private static object CatalogEntry(ArrayInfo info)
    {
        var layout = info.Layout;
        var channel = layout.Coords[0];
        var time = layout.Coords[^1];
        return new
        {
            name = info.Name,
            dims = layout.Dims,
            shape = layout.Shape,
            units = layout.Units,
            sizeBytes = info.SizeBytes,
            durationSeconds = time.IsRegular ? time.Length * time.Step : time.ValueAt(time.Length - 1) - time.ValueAt(0),
            samplingRate = time.IsRegular && time.Step > 0 ? 1 / time.Step : (double?)null,
            start = time.Origin?.ToString("O"),
            channelFirst = channel.ValueAt(0),
            channelLast = channel.ValueAt(channel.Length - 1),
            channelUnits = channel.Units,
            metadata = info.Metadata,
        };
    }

    private const string UserKey = "resif.user";

    private static UserAccess? UserOf(HttpContext http) => http.Items[UserKey] as UserAccess;

    private static IResult Failure(Exception e, HttpContext http) => e switch
    {
        InvalidRequestException invalid => Error(StatusCodes.Status400BadRequest, invalid.Field, invalid.Reason),
        ArrayNotFoundException notFound => Error(StatusCodes.Status404NotFound, "array", notFound.Message),
        OutputBudgetExceededException budget => Error(StatusCodes.Status413PayloadTooLarge, "window", budget.Message),
        DataCorruptionException corrupt => Error(StatusCodes.Status500InternalServerError, "array", corrupt.Message),
        _ => Internal(e, http),
    };

    // Never show internals (paths, stack traces) to the browser: the server log has them.
    private static IResult Internal(Exception e, HttpContext http)
    {
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Resif.Gpu.Server.Web").LogError(e, "viewer request failed");
        return Error(StatusCodes.Status500InternalServerError, "server", "internal server error (see the server log)");
    }

    private static IResult Error(int status, string field, string message) => Results.Json(new { field, message }, statusCode: status);
}
