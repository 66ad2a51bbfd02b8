# The one image for every role: venue edge, venue central, venue simulate.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Venue.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
COPY silo-config /app/silo-config
ENTRYPOINT ["dotnet", "/app/venue.dll"]
