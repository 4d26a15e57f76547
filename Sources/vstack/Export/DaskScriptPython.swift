/// The Python every Dask script holds whatever its stages and source: the helpers the stages
/// call, writing the output, the command line and `main`. (Each format's reader is its driver's
/// `DaskReader`; each operator's function its `OperatorSpec.dask`.)
enum DaskScriptPython {
    /// `per_axis`, `on_slices`, `with_halo`, `plane_axes`: what `DaskStageContext` writes calls to.
    static let helpers = #"""
        def per_axis(ndim, depth=None, rows=None, cols=None, fill=0):
            """One value per axis: the stage's on the depth, row and column axes, `fill` on the others."""
            values = [fill] * ndim
            for axis, value in ((DEPTH_AXIS, depth), (ROW_AXIS, rows), (COL_AXIS, cols)):
                if axis is not None and value is not None:
                    values[axis] = value
            return tuple(values)


        def on_slices(block, function, axes, dtype=np.float32):
            """Apply `function` to each 2-D (or 3-D) slice of `block` along `axes` (one plane or one
            z-stack of the other axes at a time), as vstack filters one plane at a time."""
            axes = list(axes)
            last = list(range(block.ndim - len(axes), block.ndim))
            moved = np.moveaxis(block, axes, last)
            out = np.empty(moved.shape, dtype)
            for index in np.ndindex(moved.shape[:block.ndim - len(axes)]):
                out[index] = function(moved[index])
            return np.moveaxis(out, last, axes)


        def with_halo(x, function, depth):
            """`x.map_overlap(function)` with vstack's halo of the stage as `depth` ({axis: pixels}).

            boundary='none': a block is extended by its neighbours' pixels only, and at the
            array's edges `function` applies its own border rule (scipy's mode='reflect', or
            skimage's zero border for deconvolve) - what vstack's pipeline does. dask's
            boundary='reflect' would be the same for the scipy stages (it mirrors with the edge
            pixel repeated, numpy's 'symmetric', which is scipy's 'reflect'), but not for
            deconvolve. An axis the halo spans whole is taken in one block instead."""
            depth = {axis: int(h) for axis, h in depth.items() if h > 0}
            for axis in [a for a, h in depth.items() if h >= x.shape[a]]:
                x = x.rechunk({axis: -1})
                del depth[axis]
            if not depth:
                return x.map_blocks(function, dtype=np.float32)
            return x.map_overlap(function, depth=depth, boundary="none", trim=True, dtype=np.float32)


        def plane_axes(x):
            """The row and column axes, each in one chunk: for statistics over a whole plane."""
            return x.rechunk({ROW_AXIS: -1, COL_AXIS: -1})
        """#

    /// `parse_chunks` and `create_output`.
    static let output = #"""
        def parse_chunks(text, ndim):
            """'1,1,256,256' (one per axis, -1 for a whole axis) or 'auto'."""
            if text == "auto":
                return "auto"
            chunks = tuple(int(c) for c in text.split(","))
            if len(chunks) != ndim:
                sys.exit(f"--chunks {text}: expected {ndim} numbers, one per axis")
            return chunks


        def create_output(path, shape, chunks, dtype, zarr_format, multiscale):
            """An empty Zarr array for the result: the source's axis names (dimension_names in v3,
            _ARRAY_DIMENSIONS in v2) and, for an OME-Zarr source, a one-level multiscales image with
            the source's level-0 scales."""
            names = {"dimension_names": AXES} if AXES and zarr_format == 3 else {}
            if multiscale is None:
                array = zarr.create_array(path, shape=shape, chunks=chunks, dtype=dtype, fill_value=0,
                                          zarr_format=zarr_format, overwrite=True, **names)
                if AXES and zarr_format == 2:
                    array.attrs["_ARRAY_DIMENSIONS"] = AXES
                return array
            group = zarr.open_group(path, mode="w", zarr_format=zarr_format)
            array = group.create_array("0", shape=shape, chunks=chunks, dtype=dtype, fill_value=0, **names)
            if AXES and zarr_format == 2:
                array.attrs["_ARRAY_DIMENSIONS"] = AXES
            level = {key: value for key, value in multiscale.items() if key not in ("datasets", "metadata", "type")}
            level["name"] = multiscale.get("name", "vstack-dask")
            level["datasets"] = [{"path": "0",
                                  "coordinateTransformations": multiscale["datasets"][0].get("coordinateTransformations",
                                                                                            [{"type": "scale", "scale": [1.0] * len(shape)}])}]
            if zarr_format == 3:
                group.attrs["ome"] = {"version": "0.5", "multiscales": [level]}
            else:
                level.setdefault("version", "0.4")
                group.attrs["multiscales"] = [level]
            return array
        """#

    /// The command line, the output check and `main`.
    static let main = #"""
        def parse_arguments():
            p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                        formatter_class=argparse.RawDescriptionHelpFormatter)
            p.add_argument("--output", "-o", required=True, metavar="PATH.zarr", help="the Zarr to write (never the source, inside it or around it)")
            p.add_argument("--overwrite", action="store_true", help="replace --output if it exists (default: refuse)")
            p.add_argument("--scheduler", metavar="ADDRESS", help="a dask.distributed scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster)")
            p.add_argument("--workers", type=int, default=4, metavar="N", help="LocalCluster worker processes (default: 4)")
            p.add_argument("--threads-per-worker", type=int, default=1, metavar="N", help="threads of each LocalCluster worker (default: 1)")
            p.add_argument("--local-threads", action="store_true", help="no cluster: dask's threaded scheduler in this process")
            p.add_argument("--chunks", metavar="C,C,...", help="rechunk the source first: one size per axis (-1: whole axis), or 'auto' (default: the source's chunks)")
            p.add_argument("--zarr-format", type=int, choices=(2, 3), help="the output's Zarr format (default: the source's; 3 for TIFF and HDF5)")
            args = p.parse_args()
            if not args.output.rstrip("/").endswith(".zarr"):
                p.error(f"--output {args.output}: expected a path ending in .zarr")
            check_output(args.output, args.overwrite)
            return args


        def check_output(path, overwrite):
            """Refuses (exit 2, one line) an output that would destroy data: one of INPUTS, a path
            inside one, or a directory holding one (paths compared resolved: links and .. do not hide
            an overlap); and an existing path unless --overwrite."""
            def refuse(why):
                print(f"{sys.argv[0]}: --output {path}: {why}", file=sys.stderr)
                sys.exit(2)
            out = os.path.realpath(path)
            for source in INPUTS:
                data = os.path.realpath(source)
                if out == data:
                    refuse(f"refusing to write over the input {source} (choose another path)")
                if out.startswith(data.rstrip("/") + "/"):
                    refuse(f"refusing to write inside the input {source} (choose a path outside it)")
                if data.startswith(out.rstrip("/") + "/"):
                    refuse(f"refusing to write over a path that holds the input {source} (choose another path)")
            if os.path.lexists(path) and not overwrite:
                refuse("it exists (pass --overwrite to replace it)")


        def main():
            args = parse_arguments()
            source, zarr_format, multiscale = open_source()
            if source.shape != SHAPE:
                sys.exit(f"{SOURCE}: the shape is {source.shape}, not {SHAPE} as when the script was written")
            if args.zarr_format:
                zarr_format = args.zarr_format
            # vstack's operators all work on float32; a copy keeps the source's values (in native byte order).
            x = source.astype(source.dtype.newbyteorder("=")) if OUTPUT_DTYPE is None else source.astype(np.float32)
            if args.chunks:
                x = x.rechunk(parse_chunks(args.chunks, x.ndim))
            chunks = tuple(c[0] for c in x.chunks)  # the output's chunks: the (rechunked) source's
            # --at: the stages run lazily on the whole source and only the subset is computed, so a
            # stage's halo reaches past the subset's edge as vstack's does.
            result = pipeline(x)[SUBSET]
            # A mask is written as uint8 0/1, anything else filtered as float32 (as vstack export does).
            # (A threshold ending the pipeline gives uint8 already; a morphology stage after one, float32 0/1.)
            if OUTPUT_DTYPE == "uint8" and result.dtype != np.uint8:
                result = result.map_blocks(lambda block: (block != 0).view(np.uint8), dtype=np.uint8)
            elif OUTPUT_DTYPE == "float32":
                result = result.astype(np.float32)
            result = result.rechunk(chunks)  # one task a Zarr chunk (the stages may have rechunked)
            output = create_output(args.output, result.shape, chunks, result.dtype, zarr_format, multiscale)
            print(f"{SOURCE} -> {args.output}: {result.shape} {result.dtype}, {result.npartitions} chunks", file=sys.stderr)
            # The dask chunks are the Zarr array's, so each task writes whole chunks of its own and
            # needs no lock. (da.to_zarr into an existing array would first rechunk to dask's
            # "auto" size.)
            if args.local_threads:
                from dask.diagnostics import ProgressBar
                with ProgressBar(), dask.config.set(scheduler="threads"):
                    da.store(result, output, lock=False)
                return
            from dask.distributed import Client, LocalCluster, progress
            if args.scheduler:
                client = Client(args.scheduler)
            else:
                cluster = LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                                       dashboard_address=None)
                client = Client(cluster)
            with client:
                job = da.store(result, output, lock=False, compute=False).persist()
                progress(job)  # a text progress bar on stdout
                print()
                job.compute()
            if not args.scheduler:
                cluster.close()


        if __name__ == "__main__":
            main()
        """#
}
