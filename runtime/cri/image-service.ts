// ImageService (ref §3.4): Vimana images from the image store, every other image downstream.
// A request is Vimana's when its ImageSpec carries the runtime handler `vimana-handler`; without
// one (a stock kubelet) PullImage goes by the pod's `vimana.host/*` labels, and ImageStatus and
// RemoveImage by the name (image-names.ts) — answered from the store when it holds the image,
// else forwarded, so an ordinary image that happens to look like a Vimana one still works.
import {
  type ComponentName,
  componentNameFromLabels,
  formatComponentName,
  LABEL_DOMAIN,
  LABEL_SERVER,
  LABEL_VERSION,
  parseImageReference,
  RUNTIME_HANDLER,
} from "../../src/names/index.ts";
import type { StoredImage } from "../images/index.ts";
import { messageOf, nowNs } from "../pods/index.ts";
import { criMessage } from "./codec.ts";
import { internal } from "./errors.ts";
import {
  imageId,
  pulledAs,
  repoDigest,
  repoTag,
  type VimanaImageName,
  vimanaImageName,
} from "./image-names.ts";
import { answer, appended, type HandlerKit } from "./kit.ts";
import type * as m from "./messages.ts";
import type { CallContext } from "./service.ts";

const codec = {
  ImageSpec: criMessage<m.ImageSpec>("ImageSpec"),
  ImageStatusRequest: criMessage<m.ImageStatusRequest>("ImageStatusRequest"),
  ImageStatusResponse: criMessage<m.ImageStatusResponse>("ImageStatusResponse"),
  ListImagesRequest: criMessage<m.ListImagesRequest>("ListImagesRequest"),
  ListImagesResponse: criMessage<m.ListImagesResponse>("ListImagesResponse"),
  PullImageRequest: criMessage<m.PullImageRequest>("PullImageRequest"),
  PullImageResponse: criMessage<m.PullImageResponse>("PullImageResponse"),
  RemoveImageRequest: criMessage<m.RemoveImageRequest>("RemoveImageRequest"),
  ImageFsInfoResponse: criMessage<m.ImageFsInfoResponse>("ImageFsInfoResponse"),
};

const VIMANA_LABELS = [LABEL_DOMAIN, LABEL_SERVER, LABEL_VERSION];

/** ImageStatus' and ListImages' description of a stored image. */
function imageRecord(stored: StoredImage): m.Image {
  const spec = codec.ImageSpec.decode(stored.imageSpec);
  const name: VimanaImageName = {
    component: stored.component,
    ...pulledAs([spec.image, spec.user_specified_image]),
  };
  const tag = repoTag(name);
  return {
    id: imageId(stored.component),
    repo_tags: tag === undefined ? [] : [tag],
    repo_digests: [repoDigest(name, stored.digest)],
    size: BigInt(stored.size),
    uid: null,
    username: "",
    spec,
    pinned: false,
  };
}

export function registerImageHandlers(kit: HandlerKit): void {
  const { images, log } = kit.options;
  const forward = (name: string, bytes: Buffer, call: CallContext) =>
    kit.forward(name, bytes, call, "ImageService");

  /** The image a request flagged with Vimana's handler (or with no ImageSpec) names. */
  const flaggedImage = (spec: m.ImageSpec | null): VimanaImageName => {
    const text = spec?.image ?? "";
    try {
      return parseImageReference(text);
    } catch (error) {
      const byId = vimanaImageName(text);
      // Neither a reference nor an ID: the reference parser's message says what is wrong.
      return byId ?? kit.failed(internal(messageOf(error), error));
    }
  };
  const flagged = (spec: m.ImageSpec | null) =>
    spec === null || spec.runtime_handler === RUNTIME_HANDLER;
  /** Vimana's image if the request names one the store holds; undefined: forward it. */
  const storedImage = async (spec: m.ImageSpec | null) => {
    if (flagged(spec)) {
      const name = flaggedImage(spec);
      return { name, stored: await status(name.component) };
    }
    const name = vimanaImageName(spec?.image ?? "");
    if (name === undefined) return undefined;
    const stored = await status(name.component);
    return stored === undefined ? undefined : { name, stored };
  };
  const status = (component: ComponentName) =>
    images.status(component).catch((error: unknown) => kit.failed(error, component));

  kit.image("ImageStatus", async (bytes, call) => {
    const request = codec.ImageStatusRequest.decode(bytes);
    const found = await storedImage(request.image);
    if (found === undefined) return forward("ImageStatus", bytes, call);
    const image = found.stored === undefined ? null : imageRecord(found.stored);
    return answer(codec.ImageStatusResponse.encode({ image, info: {} }));
  });

  kit.image("PullImage", async (bytes, call) => {
    const request = codec.PullImageRequest.decode(bytes);
    const labels = request.sandbox_config?.labels ?? {};
    const ours =
      flagged(request.image) ||
      VIMANA_LABELS.some((label) => label in labels) ||
      // A pull with no pod (crictl pull): the reference itself says it.
      (request.sandbox_config === null &&
        vimanaImageName(request.image?.image ?? "")?.registry !== undefined);
    if (!ours) return forward("PullImage", bytes, call);
    let reference: { registry: string; component: ComponentName };
    try {
      reference = parseImageReference(request.image?.image ?? "");
    } catch (error) {
      return kit.failed(internal(messageOf(error), error));
    }
    const named = formatComponentName(reference.component);
    // Kubelet always sends the pod's config; a manual pull (crictl pull) may not.
    if (request.sandbox_config !== null) {
      let fromLabels: ComponentName;
      try {
        fromLabels = componentNameFromLabels(labels);
      } catch (error) {
        return kit.failed(
          internal(`Invalid pod labels: ${messageOf(error)}`, error),
          reference.component,
        );
      }
      if (formatComponentName(fromLabels) !== named) {
        return kit.failed(
          internal(`Pod label mismatch: ${formatComponentName(fromLabels)} != ${named}`),
          reference.component,
        );
      }
    }
    log.info(`Fetching image from "${reference.registry}"`, { component: named });
    let stored: StoredImage;
    try {
      stored = await images.pull(
        reference,
        codec.ImageSpec.encode(request.image ?? ({} as m.ImageSpec)),
      );
    } catch (error) {
      const image = request.image?.image ?? "";
      return kit.failed(
        internal(`Error pulling image: "${image}": ${messageOf(error)}`, error),
        reference.component,
      );
    }
    log.info("Successful image pull", { component: named, digest: stored.digest });
    return answer(codec.PullImageResponse.encode({ image_ref: imageId(reference.component) }));
  });

  kit.image("RemoveImage", async (bytes, call) => {
    const request = codec.RemoveImageRequest.decode(bytes);
    const found = await storedImage(request.image);
    if (found === undefined) return forward("RemoveImage", bytes, call);
    const { component } = found.name;
    try {
      await images.remove(component);
    } catch (error) {
      return kit.failed(internal(`Error removing image: ${messageOf(error)}`, error), component);
    }
    return answer(new Uint8Array());
  });

  kit.image("ListImages", async (bytes, call) => {
    const reply = await forward("ListImages", bytes, call);
    const wanted = codec.ListImagesRequest.decode(bytes).filter?.image?.image ?? "";
    const only = wanted === "" ? undefined : vimanaImageName(wanted);
    if (wanted !== "" && only === undefined) return reply;
    let stored: StoredImage[];
    try {
      stored = await images.list();
    } catch (error) {
      return kit.failed(internal(`Error listing images: ${messageOf(error)}`, error));
    }
    const listed = stored
      .filter((image) => only === undefined || imageId(image.component) === imageId(only.component))
      .map(imageRecord);
    return appended(reply, codec.ListImagesResponse.encode({ images: listed }));
  });

  kit.image("ImageFsInfo", async (bytes, call) => {
    const reply = await forward("ImageFsInfo", bytes, call);
    const usage = images.usage();
    // Prepended as a first occurrence of the repeated field: index 0, downstream's bytes intact.
    const ours = codec.ImageFsInfoResponse.encode({
      image_filesystems: [
        {
          timestamp: nowNs(),
          fs_id: { mountpoint: images.root },
          used_bytes: { value: BigInt(usage.bytes) },
          inodes_used: { value: BigInt(usage.inodes) },
        },
      ],
      container_filesystems: [],
    });
    return { bytes: Buffer.concat([ours, reply.bytes]), trailers: reply.trailers };
  });
}
