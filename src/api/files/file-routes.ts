/**
 * `client.beta.files`: upload (multipart/form-data, as the SDK sends it), metadata, download, list, delete.
 *
 * Multipart is parsed by @fastify/multipart (busboy underneath), registered in this scope only, so no other route
 * takes a form body. The upload is streamed: its bytes go to the store as they arrive, counted against the size
 * limit, never held whole in memory.
 */
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { FileTooLargeError, type StagedContent } from '../../storage/file-store';
import { ApiError, invalidRequest } from '../api-error';
import { sendError } from '../error-handler';
import { NoQuerySchema, parseOrRefuse } from '../validate';
import { FileListQuerySchema, FilePathSchema, storedFilename, storedMimeType, UploadFieldsSchema } from './file-params';
import type { FileService, UploadedPart } from './file-service';

export interface FileRouteOptions {
  files: FileService;
  /** The largest upload, in bytes. */
  maxFileBytes: number;
}

export async function fileRoutes(app: FastifyInstance, { files, maxFileBytes }: FileRouteOptions): Promise<void> {
  await app.register(multipart, {
    // One file and a few small fields: a form with more is not one the SDK sends.
    limits: { fileSize: maxFileBytes, files: 1, fields: 8, parts: 9, fieldSize: 1024, fieldNameSize: 100 },
    // The part named "file" is the file even when it has no filename (busboy would take it as a text field).
    isPartAFile: (fieldName: string | undefined) => fieldName === 'file',
  });
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(asUploadError(error), request, reply));
  /** The id in the path; these routes take no query, so a query parameter is an unknown field. */
  const fileId = ({ params, query }: FastifyRequest) => {
    parseOrRefuse(NoQuerySchema, query, 'query');
    return parseOrRefuse(FilePathSchema, params, 'path').file_id;
  };

  app.post('/v1/files', async (request) => upload(request, files, maxFileBytes));

  app.get('/v1/files', async (request) => files.list(parseOrRefuse(FileListQuerySchema, request.query, 'query')));

  app.get('/v1/files/:file_id', async (request) => files.retrieve(fileId(request)));

  app.get('/v1/files/:file_id/content', async (request, reply) => {
    const { file, content } = await files.download(fileId(request));
    return reply
      .header('content-type', file.mime_type)
      .header('content-length', String(file.size_bytes))
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
      .send(content);
  });

  app.delete('/v1/files/:file_id', async (request) => files.delete(fileId(request)));
}

/** Reads the form: the `file` part is staged as it streams in, the fields collected; then all of it is checked. */
async function upload(request: FastifyRequest, files: FileService, maxFileBytes: number) {
  if (!request.isMultipart()) throw notMultipart();
  let staged: StagedContent | undefined;
  try {
    let part: UploadedPart | undefined;
    const fields: Record<string, string> = {};
    for await (const formPart of request.parts()) {
      if (formPart.type === 'field') {
        fields[formPart.fieldname] = String(formPart.value);
        continue;
      }
      if (formPart.fieldname !== 'file') throw invalidRequest(`${formPart.fieldname}: unknown form part; send "file"`);
      const mimeType = storedMimeType(formPart.mimetype);
      part = { mime_type: mimeType, filename: storedFilename(formPart.filename, mimeType) };
      staged = await files.store.stage(formPart.file, maxFileBytes);
      if (formPart.file.truncated) throw new FileTooLargeError(maxFileBytes);
    }
    if (!staged || !part) throw invalidRequest('file: the form has no "file" part');
    return await files.create(staged, part, parseOrRefuse(UploadFieldsSchema, fields, 'body'));
  } catch (error) {
    await staged?.discard();
    throw error;
  }
}

function notMultipart(): ApiError {
  return invalidRequest('the request body must be multipart/form-data, with the file in a part named "file"');
}

/** The multipart parser's errors, and an oversized file, as the API's. */
function asUploadError(error: FastifyError): Error {
  if (error instanceof FileTooLargeError || error.code === 'FST_REQ_FILE_TOO_LARGE') {
    return new ApiError(413, 'request_too_large', error.message);
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return notMultipart();
  if (error.code?.startsWith('FST_') && !error.code.startsWith('FST_ERR_CTP_')) {
    return invalidRequest(`the multipart form cannot be read: ${error.message}`);
  }
  return error;
}
