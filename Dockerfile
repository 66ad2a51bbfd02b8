# The one image for every role: venue edge, venue central, venue simulate.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Venue.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
COPY silo-config /app/silo-config
# Not root: the image's 'app' user. The volumes mounted on these directories take their owner
# from the image when first created, so keys and journals stay writable and private to it.
RUN mkdir -p /data /keys /secrets /reader-secrets && chown "$APP_UID" /data /keys /secrets /reader-secrets
USER $APP_UID
# Edge (scanner API, readers, console) and central (integrator and sync API, console).
EXPOSE 5080 5090
ENTRYPOINT ["dotnet", "/app/venue.dll"]
