// One error type for every checkpoint problem, carrying the file and tensor it is about so messages can name them.
export class CheckpointError extends Error {
  readonly file: string;
  readonly tensor?: string;

  constructor(file: string, message: string, tensor?: string) {
    super(`${file}: ${tensor ? `tensor "${tensor}": ` : ''}${message}`);
    this.name = 'CheckpointError';
    this.file = file;
    this.tensor = tensor;
  }
}
